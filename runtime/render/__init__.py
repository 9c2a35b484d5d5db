"""Rendering: draw any controller's shared pose with moderngl, in a window or offscreen.

Resources are separate from the window (moderngl-window style):
  context.py         EGL standalone context, OffscreenTarget (read-back framebuffer)
  shaders.py, meshes.py   GLSL sources; capsule / sphere / ground / height-field geometry
  camera.py          FollowCamera (orbit yaw/pitch/distance, view/projection, project())
  scene_renderer.py  SceneRenderer.draw(poses, camera): instanced bones, joints and eyes, ground, the
                     declared outputs it knows (contacts at their joints, gaze rays, eyelids), overlays
  outputs.py         which extras mean what: declared OutputSpecs by kind, contact and eye joints
  hud.py             panels: frame / tick / network time, expert-weight bars, the help
  help.py            the help's content: the played controllers' declared controls, the window's keys
  window.py, app.py  pygame-ce OpenGL 3.3 core window and the interactive (third-person) loop
  capture.py         headless render_frames() / write_frames() to PNG, GIF, MP4
  benchmark.py       run(): frame time for 1 and 100 characters beside an empty frame
Submodules are imported on use so `import neuropuppet` never pulls in GL or pygame.
"""
