"""Sentences for named entity recognition, made from small word lists and templates (no download),
with the exact character span of every entity as truth.

Each template is a list of pieces: plain text, or an entity slot (its label). Names are drawn from
the seed, so the same seed writes the same sentences. The data set is written like the others
(core.sim.datasets): an input manifest of `{"source": "<text>"}` lines (§3), a label category file
with the instructions NER needs (§6) and a gold file.
"""

from __future__ import annotations

import json
import random

from .datasets import Dataset, OpenUri, manifest_bytes, put

NER_LABELS = ["Person", "Organization", "Location", "Date"]
FIRST = ("Ada", "Kofi", "Mei", "Lars", "Priya", "Omar", "Elena", "Tomasz", "Yuki", "Grace", "Rafael", "Nadia")
LAST = ("Okafor", "Lindqvist", "Tanaka", "Moreau", "Haddad", "Kowalski", "Silva", "Brennan", "Iyer", "Novak")
ORGS = ("Northwind Traders", "Blue Harbor Bank", "Acme Robotics", "Riverside Clinic", "Summit Airlines",
        "the City Library", "Greenfield Farms", "Orbit Telecom")
PLACES = ("Lisbon", "Nairobi", "Osaka", "Toronto", "Krakow", "Valparaiso", "Lagos", "Reykjavik", "Perth")
MONTHS = ("January", "March", "May", "July", "September", "November")
TEMPLATES = (
    ("Person", " joined ", "Organization", " in ", "Location", " on ", "Date", "."),
    ("Organization", " opened a new office in ", "Location", "."),
    ("On ", "Date", ", ", "Person", " met ", "Person", " at ", "Organization", "."),
    ("Person", " flew from ", "Location", " to ", "Location", " for ", "Organization", "."),
    ("The report by ", "Person", " was published on ", "Date", "."),
    ("Organization", " hired ", "Person", " after the meeting in ", "Location", "."),
    ("Nothing unusual happened at the depot this week.",),
)


def _entity(label: str, rng: random.Random) -> str:
    if label == "Person":
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if label == "Organization":
        return rng.choice(ORGS)
    if label == "Location":
        return rng.choice(PLACES)
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.choice((2024, 2025, 2026))}"


def sentence(rng: random.Random) -> dict:
    """{"text", "entities": [{"label", "startOffset", "endOffset"}]}: offsets are Python slices (§2)."""
    text, entities = "", []
    for piece in rng.choice(TEMPLATES):
        if piece in NER_LABELS:
            value = _entity(piece, rng)
            entities.append({"label": piece, "startOffset": len(text), "endOffset": len(text) + len(value)})
            text += value
        else:
            text += piece
    return {"text": text, "entities": entities}


def label_file(labels: list[str]) -> bytes:
    """NER label category file: labels plus the instructions the NER UI shows (§6)."""
    return json.dumps({"document-version": "2018-11-28", "labels": [{"label": x} for x in labels],
                       "instructions": {"shortInstruction": "Highlight every name, place, organization and date.",
                                        "fullInstruction": "Select whole names; leave out titles and punctuation."},
                       }).encode()


def write_sentences(open_uri: OpenUri, prefix_uri: str, count: int, seed: int) -> Dataset:
    """`count` sentences: `sentences.manifest` (inline `source` lines), `labels.json`, `gold.jsonl`.
    The truth is keyed by the text itself, the manifest line's `source`."""
    rng = random.Random(f"{seed}/sentences")
    prefix = prefix_uri.rstrip("/")
    made, seen = [], set()
    while len(made) < count:  # every line a different text: a manifest repeats no object (core.manifests)
        drawn = sentence(rng)
        if drawn["text"] not in seen:
            seen.add(drawn["text"])
            made.append(drawn)
    sources = [m["text"] for m in made]
    truth = {m["text"]: {"text": m["text"], "entities": m["entities"]} for m in made}
    ds = Dataset("sentences", NER_LABELS, sources, truth, f"{prefix}/sentences.manifest", f"{prefix}/labels.json",
                 f"{prefix}/gold.jsonl")
    put(open_uri, ds.manifest_uri, manifest_bytes({"source": s} for s in sources))
    put(open_uri, ds.labels_uri, label_file(NER_LABELS))
    put(open_uri, ds.gold_uri, manifest_bytes({"source": m["text"], "entities": m["entities"]} for m in made))
    return ds
