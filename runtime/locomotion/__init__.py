"""Locomotion building blocks every legged controller shares (PFNN, MANN, your own).

`third_person`: the camera-relative stick of a third-person game, applied to the pad before a
controller's tick. The trajectory window, the stick-to-desired-velocity mapping with its gait table and
the terrain probes live in this package's other modules.
"""
