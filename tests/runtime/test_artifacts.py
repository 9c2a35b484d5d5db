import json
import struct
import warnings
import zipfile

import pytest
import torch

from neuropuppet.artifacts import (FORMAT_VERSION, METADATA_NAME, ArtifactError, load_artifact, read_metadata,
                                   save_artifact, write_checksums)
from toy_controller import ToyNet, make_toy_artifact, toy_metadata


@pytest.fixture(scope="module")
def toy_pair(tmp_path_factory):
    d = tmp_path_factory.mktemp("art")
    torch.manual_seed(0)
    net = ToyNet().eval()
    return net, save_artifact(net, d / "toy.pt", toy_metadata()), save_artifact(net, d / "toy.pt2", toy_metadata())


def test_both_backends_give_the_eager_outputs(toy_pair):
    net, pt, pt2 = toy_pair
    pad, hidden = torch.randn(7, 21), torch.randn(7, 8)
    want = net(pad, hidden)
    for path in (pt, pt2):
        art = load_artifact(path, controller="toy", device="cpu")
        got = art(pad, hidden)
        for a, b in zip(got, want):
            torch.testing.assert_close(a, b, rtol=1e-5, atol=1e-6)
    ts, ex = load_artifact(pt), load_artifact(pt2)
    assert (ts.backend, ex.backend) == ("torchscript", "export")


def test_metadata_round_trips(toy_pair):
    _, pt, _ = toy_pair
    meta = read_metadata(pt)
    assert meta.controller == "toy" and meta.format_version == FORMAT_VERSION
    assert list(meta.inputs) == ["pad", "hidden"]  # positional order survives
    assert meta.skeleton["names"] == ["root", "a", "b"]


def test_no_torchscript_warnings_reach_users(tmp_path):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        art = load_artifact(make_toy_artifact(tmp_path / "t.pt"))
        art.warmup(4)
    assert not [w for w in caught if "jit" in str(w.message).lower() or "torchscript" in str(w.message).lower()]


def test_missing_file(tmp_path):
    with pytest.raises(ArtifactError, match=r"nope\.pt: artifact file not found"):
        load_artifact(tmp_path / "nope.pt")


def test_truncated_file(toy_pair, tmp_path):
    bad = tmp_path / "cut.pt"
    bad.write_bytes(toy_pair[1].read_bytes()[:3000])
    with pytest.raises(ArtifactError, match=r"cut\.pt: .*(truncated|corrupted)"):
        load_artifact(bad)


def test_corrupted_weights(toy_pair, tmp_path):
    data = bytearray(toy_pair[1].read_bytes())
    with zipfile.ZipFile(toy_pair[1]) as z:
        info = next(i for i in z.infolist() if "/data/" in i.filename)
    name_len, extra_len = struct.unpack("<HH", data[info.header_offset + 26:info.header_offset + 30])
    start = info.header_offset + 30 + name_len + extra_len  # first byte of the tensor data
    data[start:start + 64] = b"\xff" * 64
    bad = tmp_path / "rot.pt"
    bad.write_bytes(bytes(data))
    with pytest.raises(ArtifactError, match=r"rot\.pt"):
        load_artifact(bad)


def test_wrong_controller(toy_pair):
    with pytest.raises(ArtifactError, match=r"artifact is for controller 'toy', not 'pfnn'"):
        load_artifact(toy_pair[1], controller="pfnn")


def _rewrite_metadata(src, dst, **changes):
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w") as zout:
        for item in zin.infolist():
            data = zin.read(item.filename)
            if item.filename.endswith(METADATA_NAME):
                meta = json.loads(data)
                meta.update(changes)
                data = json.dumps(meta).encode()
            zout.writestr(item, data)
    return dst


def test_wrong_format_version(toy_pair, tmp_path):
    bad = _rewrite_metadata(toy_pair[1], tmp_path / "v9.pt", format_version=99)
    with pytest.raises(ArtifactError, match=r"v9\.pt: artifact format version 99"):
        load_artifact(bad)


def test_wrong_declared_shapes(toy_pair, tmp_path):
    bad = _rewrite_metadata(toy_pair[1], tmp_path / "shape.pt", outputs={"velocity": [-1, 3], "angles": [-1, 3],
                                                                          "hidden": [-1, 8]})
    with pytest.raises(ArtifactError, match=r"output 'velocity' has shape \[1, 2\], metadata declares \[-1, 3\]"):
        load_artifact(bad)
    bad = _rewrite_metadata(toy_pair[1], tmp_path / "in.pt", inputs={"pad": [-1, 20], "hidden": [-1, 8]})
    with pytest.raises(ArtifactError, match=r"in\.pt: network rejects the declared input layout"):
        load_artifact(bad)


def test_checksum_is_verified(tmp_path):
    path = make_toy_artifact(tmp_path / "ship.pt")
    write_checksums(tmp_path)
    load_artifact(path)  # matches
    make_toy_artifact(path, seed=1)  # replaced behind the checksum's back
    with pytest.raises(ArtifactError, match=r"SHA-256 .* does not match"):
        load_artifact(path)
    assert load_artifact(path, verify_checksum=False).sha256


def test_not_an_artifact(tmp_path):
    junk = tmp_path / "junk.pt"
    junk.write_text("hello")
    with pytest.raises(ArtifactError, match="truncated or corrupted"):
        load_artifact(junk)
    with pytest.raises(ArtifactError, match="unknown artifact type"):
        load_artifact(tmp_path / "x.onnx")
