"""GLSL 3.3 core sources: lit instanced capsules/spheres, a checkered ground, coloured lines, a HUD quad."""
from __future__ import annotations

import moderngl

_LIGHTING = """
uniform vec3 light_dir;      // direction the light travels (world), normalised
uniform vec3 ambient;
float lambert(vec3 n) { return max(dot(normalize(n), -light_dir), 0.0); }
"""

BONE_VS = """
#version 330 core
uniform mat4 view_proj;
in vec3 in_position;         // unit cylinder: radius 1 around +Y, y in [0, 1] plus hemispherical caps
in vec3 in_normal;
in vec3 bone_start;          // per instance
in vec3 bone_end;
in float bone_radius;
in vec3 bone_color;
out vec3 v_normal;
out vec3 v_color;
out vec3 v_world;
void main() {
    vec3 axis = bone_end - bone_start;
    float len = length(axis);
    vec3 y = len > 1e-6 ? axis / len : vec3(0.0, 1.0, 0.0);
    vec3 helper = abs(y.y) < 0.99 ? vec3(0.0, 1.0, 0.0) : vec3(1.0, 0.0, 0.0);
    vec3 x = normalize(cross(helper, y));
    vec3 z = cross(x, y);
    // caps (|y| outside [0,1]) keep their radius-sized extent; the shaft stretches to the bone length
    // a zero-length "bone" is a joint sphere: the whole unit sphere scales by the radius
    float along = (in_position.y < 0.0 || len < 1e-6) ? in_position.y * bone_radius
                : (in_position.y > 1.0 ? len + (in_position.y - 1.0) * bone_radius : in_position.y * len);
    vec3 world = bone_start + x * in_position.x * bone_radius + z * in_position.z * bone_radius + y * along;
    v_normal = x * in_normal.x + y * in_normal.y + z * in_normal.z;
    v_color = bone_color;
    v_world = world;
    gl_Position = view_proj * vec4(world, 1.0);
}
"""

LIT_FS = """
#version 330 core
""" + _LIGHTING + """
in vec3 v_normal;
in vec3 v_color;
in vec3 v_world;
out vec4 frag;
void main() {
    vec3 c = v_color * (ambient + (1.0 - ambient) * lambert(v_normal));
    frag = vec4(pow(c, vec3(1.0 / 2.2)), 1.0);
}
"""

GROUND_VS = """
#version 330 core
uniform mat4 view_proj;
in vec3 in_position;
in vec3 in_normal;
out vec3 v_normal;
out vec3 v_world;
void main() {
    v_normal = in_normal;
    v_world = in_position;
    gl_Position = view_proj * vec4(in_position, 1.0);
}
"""

GROUND_FS = """
#version 330 core
""" + _LIGHTING + """
uniform vec3 color_a;
uniform vec3 color_b;
uniform vec3 fog_color;
uniform vec3 eye;
uniform float fog_distance;
in vec3 v_normal;
in vec3 v_world;
out vec4 frag;
void main() {
    vec2 cell = floor(v_world.xz);                       // 1 m checker
    float checker = mod(cell.x + cell.y, 2.0);
    vec2 f = abs(fract(v_world.xz) - 0.5);
    float line = smoothstep(0.485, 0.5, max(f.x, f.y));  // thin grid lines on cell borders
    vec3 base = mix(color_a, color_b, checker) * (1.0 - 0.35 * line);
    vec3 c = base * (ambient + (1.0 - ambient) * lambert(v_normal));
    float fog = clamp(length(v_world - eye) / fog_distance, 0.0, 1.0);
    c = mix(c, fog_color, fog * fog);
    frag = vec4(pow(c, vec3(1.0 / 2.2)), 1.0);
}
"""

LINE_VS = """
#version 330 core
uniform mat4 view_proj;
in vec3 in_position;
in vec3 in_color;
out vec3 v_color;
void main() { v_color = in_color; gl_Position = view_proj * vec4(in_position, 1.0); }
"""

LINE_FS = """
#version 330 core
in vec3 v_color;
out vec4 frag;
void main() { frag = vec4(v_color, 1.0); }
"""

HUD_VS = """
#version 330 core
uniform vec4 rect;           // x0, y0, x1, y1 in clip space
in vec2 in_uv;
out vec2 v_uv;
void main() { v_uv = in_uv; gl_Position = vec4(mix(rect.xy, rect.zw, in_uv), 0.0, 1.0); }
"""

HUD_FS = """
#version 330 core
uniform sampler2D text;
in vec2 v_uv;
out vec4 frag;
void main() { frag = texture(text, vec2(v_uv.x, 1.0 - v_uv.y)); }
"""


def program(ctx: moderngl.Context, vertex: str, fragment: str) -> moderngl.Program:
    """Compile and link one program."""
    return ctx.program(vertex_shader=vertex, fragment_shader=fragment)
