"""`neuropuppet.nn`: network building blocks shared by the controllers (PFNN today; MANN, gaze, gestures next).

  experts        `ExpertLinear`, `ExpertMLP`: K expert weight sets blended per sample by coefficients [N, K]
  phase          PFNN's phase function: `catmull_rom_coefficients`, `coefficient_table`, nearest / linear rows
  mlp            `ELUMLP` (plain), `GatingNetwork` (softmax coefficients from features: MANN)
  tables         `BucketedMLP`: expert weights precomputed at B coefficient rows (PFNN's bucket50 mode)
  normalisation  `Normalisation` (mean / std buffers), `block_statistics` (block-averaged std)
  recurrent      `RecurrentLSTM`, `RecurrentGRU`, `RecurrentState` (per-character state, reset by index)

All modules are TorchScript-able (forward and exported methods). The numba twins of the expert layers
and the phase function are in `neuropuppet.kernels.network`. See runtime/nn/README.md.
"""
from __future__ import annotations

from .experts import ExpertLinear, ExpertMLP
from .mlp import ELUMLP, GatingNetwork
from .normalisation import Normalisation, block_statistics
from .phase import catmull_rom_coefficients, coefficient_table, linear_coefficients, nearest_coefficients, nearest_row
from .recurrent import RecurrentGRU, RecurrentLSTM, RecurrentState, recurrent
from .tables import BucketedMLP, WeightTable, blend_tables

__all__ = ["BucketedMLP", "ELUMLP", "ExpertLinear", "ExpertMLP", "GatingNetwork", "Normalisation", "RecurrentGRU",
           "RecurrentLSTM", "RecurrentState", "WeightTable", "blend_tables", "block_statistics",
           "catmull_rom_coefficients", "coefficient_table", "linear_coefficients", "nearest_coefficients",
           "nearest_row", "recurrent"]
