"""Artifacts: a trained network plus the metadata a controller needs, in one file.

Two backends sit behind one interface (`save_artifact` / `load_artifact` / `Artifact`):

  torchscript  `.pt`  torch.jit archive; metadata in the archive's extra files. Works on every
                      torch this project supports; deprecated upstream, so warnings are muted here.
  export       `.pt2` torch.export archive (the upstream successor); metadata likewise embedded.

Artifacts are code: both formats can execute on load. Load only artifacts you trust. Shipped
artifacts sit beside a `SHA256SUMS` file that `load_artifact` checks.
"""
from __future__ import annotations

import contextlib
import hashlib
import json
import time
import warnings
import zipfile
from dataclasses import asdict, dataclass, field, fields
from pathlib import Path
from typing import Any, Iterator, Sequence

import torch

from .errors import ArtifactError

FORMAT_VERSION = 1
METADATA_NAME = "neuropuppet.json"
CHECKSUM_FILE = "SHA256SUMS"
BACKENDS = {".pt": "torchscript", ".pt2": "export"}


@dataclass
class ArtifactMetadata:
    """Everything about an artifact except its weights.

    inputs / outputs: ordered {name: shape} of forward()'s arguments and results; -1 marks the
    batch dimension. All tensors are float32 unless named in `dtypes`.
    """

    controller: str
    controller_version: str
    inputs: dict[str, list[int]]
    outputs: dict[str, list[int]]
    skeleton: dict[str, Any] | None = None
    normalisation: dict[str, list[float]] = field(default_factory=dict)
    training_config: dict[str, Any] = field(default_factory=dict)
    data_fingerprint: str = ""
    metrics: dict[str, Any] = field(default_factory=dict)
    extra: dict[str, Any] = field(default_factory=dict)
    dtypes: dict[str, str] = field(default_factory=dict)
    format_version: int = FORMAT_VERSION
    torch_version: str = torch.__version__

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=1)  # key order matters: inputs are positional

    @classmethod
    def from_json(cls, text: str, source: Path) -> "ArtifactMetadata":
        try:
            raw = json.loads(text)
        except json.JSONDecodeError as e:
            raise ArtifactError(f"{source}: metadata is not valid JSON ({e})") from None
        if not isinstance(raw, dict):
            raise ArtifactError(f"{source}: metadata is not a JSON object")
        version = raw.get("format_version")
        if version != FORMAT_VERSION:
            raise ArtifactError(
                f"{source}: artifact format version {version!r}, this neuropuppet reads version "
                f"{FORMAT_VERSION}; re-export it with `neuropuppet train`")
        known = {f.name for f in fields(cls)}
        missing = [n for n in ("controller", "controller_version", "inputs", "outputs") if n not in raw]
        if missing:
            raise ArtifactError(f"{source}: metadata lacks {', '.join(missing)}")
        return cls(**{k: v for k, v in raw.items() if k in known})

    def example_inputs(self, batch_size: int = 1, device: torch.device | str = "cpu") -> tuple[torch.Tensor, ...]:
        """Zero tensors shaped like forward()'s arguments, batch dimension set to `batch_size`."""
        return tuple(
            torch.zeros([batch_size if d == -1 else d for d in shape],
                        dtype=getattr(torch, self.dtypes.get(name, "float32")), device=device)
            for name, shape in self.inputs.items())


@contextlib.contextmanager
def quiet_torchscript() -> Iterator[None]:
    """Mute torch's TorchScript deprecation warnings (users can do nothing about them)."""
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=DeprecationWarning, message=r".*(TorchScript|torch\.jit|jit).*")
        warnings.filterwarnings("ignore", category=FutureWarning, message=r".*(TorchScript|torch\.jit|jit).*")
        yield


def pick_device(device: torch.device | str | None = None) -> torch.device:
    """`device` if given, else CUDA when available, else CPU."""
    if device is not None:
        return torch.device(device)
    return torch.device("cuda" if torch.cuda.is_available() else "cpu")


def sha256_of(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def write_checksums(folder: str | Path) -> Path:
    """(Re)write `SHA256SUMS` for every artifact in `folder`."""
    folder = Path(folder)
    lines = [f"{sha256_of(p)}  {p.name}" for p in sorted(folder.iterdir()) if p.suffix in BACKENDS]
    out = folder / CHECKSUM_FILE
    out.write_text("\n".join(lines) + "\n")
    return out


def expected_checksum(path: Path) -> str | None:
    """The SHA-256 recorded for `path` in the `SHA256SUMS` beside it, if any."""
    sums = path.parent / CHECKSUM_FILE
    if not sums.is_file():
        return None
    for line in sums.read_text().splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[1].lstrip("*") == path.name:
            return parts[0].lower()
    return None


@dataclass
class Artifact:
    """A loaded, validated artifact. Call it like its network: `artifact(*inputs)`."""

    path: Path
    metadata: ArtifactMetadata
    module: Any
    device: torch.device
    backend: str
    sha256: str
    load_seconds: float = 0.0

    def __call__(self, *inputs: torch.Tensor) -> Any:
        return self.module(*inputs)

    def method(self, name: str) -> Any:
        """An extra exported method of a TorchScript artifact (e.g. a precomputed mode)."""
        fn = getattr(self.module, name, None)
        if fn is None:
            raise ArtifactError(f"{self.path}: the {self.backend} artifact has no method {name!r}")
        return fn

    @torch.no_grad()
    def warmup(self, batch_size: int = 1, calls: int = 3) -> None:
        """Run forward a few times so compilation hitches happen now, not in played frames."""
        example = self.metadata.example_inputs(batch_size, self.device)
        for _ in range(calls):
            self.module(*example)
        if self.device.type == "cuda":
            torch.cuda.synchronize(self.device)


def _script(module: torch.nn.Module) -> torch.jit.ScriptModule:
    with quiet_torchscript():
        return module if isinstance(module, torch.jit.ScriptModule) else torch.jit.script(module)


def save_artifact(module: torch.nn.Module, path: str | Path, metadata: ArtifactMetadata,
                  *, backend: str | None = None) -> Path:
    """Write `module` and `metadata` to `path`; the suffix (.pt / .pt2) picks the backend.

    The module must run on CPU with `metadata.example_inputs()`; it is exported in eval mode.
    """
    path = Path(path)
    backend = backend or BACKENDS.get(path.suffix)
    if backend not in BACKENDS.values():
        raise ArtifactError(f"{path}: unknown artifact type; use .pt (torchscript) or .pt2 (export)")
    path.parent.mkdir(parents=True, exist_ok=True)
    module = module.cpu().eval()
    extra = {METADATA_NAME: metadata.to_json()}
    tmp = path.with_name(f".{path.stem}.tmp{path.suffix}")
    if backend == "torchscript":
        scripted = _script(module)
        with quiet_torchscript():
            torch.jit.save(scripted, str(tmp), _extra_files=extra)
    else:
        example = metadata.example_inputs(2)
        batch = torch.export.Dim("batch", min=1, max=1 << 16)
        dynamic = tuple({0: batch} if -1 in shape and shape[0] == -1 else {} for shape in metadata.inputs.values())
        with torch.no_grad():
            program = torch.export.export(module, example, dynamic_shapes=dynamic)
        torch.export.save(program, str(tmp), extra_files=extra)
    tmp.replace(path)
    return path


def _read_metadata_zip(path: Path) -> str:
    """Read the metadata entry straight from the zip (cheap, and tells truncation apart)."""
    try:
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.endswith("/" + METADATA_NAME) or n.endswith("extra/" + METADATA_NAME)]
            if not names:
                raise ArtifactError(f"{path}: not a neuropuppet artifact (no embedded {METADATA_NAME})")
            damaged = z.testzip()  # CRC-32 of every entry: catches flipped bytes torch would load silently
            if damaged is not None:
                raise ArtifactError(f"{path}: file is corrupted (checksum mismatch in {damaged})")
            return z.read(names[0]).decode("utf-8")
    except zipfile.BadZipFile:
        raise ArtifactError(f"{path}: file is truncated or corrupted (not a valid archive)") from None
    except (OSError, zipfile.LargeZipFile, RuntimeError, EOFError) as e:
        raise ArtifactError(f"{path}: cannot read archive ({e})") from None


def read_metadata(path: str | Path) -> ArtifactMetadata:
    """Metadata of an artifact without loading its code."""
    path = Path(path)
    if not path.is_file():
        raise ArtifactError(f"{path}: artifact file not found")
    return ArtifactMetadata.from_json(_read_metadata_zip(path), path)


def load_artifact(path: str | Path, *, controller: str | None = None, device: torch.device | str | None = None,
                  warmup_batch: int | None = 1, verify_checksum: bool = True) -> Artifact:
    """Load, validate and warm up an artifact.

    controller: the controller name it must have been exported for.
    device:     where to run; default CUDA when available, else CPU.
    warmup_batch: batch size for warm-up calls (None skips warm-up).
    Raises ArtifactError naming the file and what is wrong.
    """
    t0 = time.perf_counter()
    path = Path(path)
    backend = BACKENDS.get(path.suffix)
    if backend is None:
        raise ArtifactError(f"{path}: unknown artifact type {path.suffix!r}; expected .pt or .pt2")
    meta = read_metadata(path)
    if controller is not None and meta.controller != controller:
        raise ArtifactError(f"{path}: artifact is for controller {meta.controller!r}, not {controller!r}")
    digest = sha256_of(path)
    want = expected_checksum(path) if verify_checksum else None
    if want is not None and want != digest:
        raise ArtifactError(f"{path}: SHA-256 {digest[:16]}… does not match {want[:16]}… in {CHECKSUM_FILE}; "
                            "the file was modified or corrupted")
    dev = pick_device(device)
    try:
        if backend == "torchscript":
            with quiet_torchscript():
                module = torch.jit.load(str(path), map_location=dev)
            module.eval()
        else:
            program = torch.export.load(str(path))
            module = program.module()
            if dev.type != "cpu":
                module = module.to(dev)
    except ArtifactError:
        raise
    except Exception as e:  # torch raises many types for damaged archives
        raise ArtifactError(f"{path}: cannot load {backend} archive ({type(e).__name__}: {str(e).splitlines()[0][:200]})") from None
    art = Artifact(path, meta, module, dev, backend, digest)
    _check_shapes(art)
    if warmup_batch:
        art.warmup(warmup_batch)
    art.load_seconds = time.perf_counter() - t0
    return art


@torch.no_grad()
def _check_shapes(art: Artifact) -> None:
    """Run forward once and compare what comes out with the declared output layout."""
    try:
        out = art.module(*art.metadata.example_inputs(1, art.device))
    except Exception as e:
        raise ArtifactError(f"{art.path}: network rejects the declared input layout "
                            f"{art.metadata.inputs} ({type(e).__name__}: {str(e).splitlines()[0][:200]})") from None
    outs: Sequence[Any] = out if isinstance(out, (tuple, list)) else (out,)
    declared = list(art.metadata.outputs.items())
    if len(outs) != len(declared):
        raise ArtifactError(f"{art.path}: network returns {len(outs)} tensors, metadata declares {len(declared)}")
    for (name, shape), t in zip(declared, outs):
        want = [1 if d == -1 else d for d in shape]
        if list(t.shape) != want:
            raise ArtifactError(f"{art.path}: output {name!r} has shape {list(t.shape)}, metadata declares {shape}")
