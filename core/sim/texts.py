"""Sentences for named entity recognition and topic classification, made from small word lists and
templates (no download), with the exact character span of every entity and the sentence's topic
as truth.

Each template is a list of pieces: plain text, or an entity slot (its label), and has a topic, the
topic it is most easily taken for and how hard it is to tell (a hiring that mentions a meeting is
hard). Names are drawn from the seed, so the same seed writes the same sentences. The data set is
written like the others (core.sim.datasets): an input manifest of `{"source": "<text>"}` lines
(§3), a label category file with the instructions NER needs (§6) and a gold file; the topics have
their own label file and gold file over the same manifest.
"""

from __future__ import annotations

import json
import random

from .datasets import Dataset, OpenUri, label_config, manifest_bytes, put

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
TOPICS = ["Hiring", "Meeting", "Travel", "Business", "Nothing to report"]
# Per template: (topic, the topic it is taken for, difficulty in [0, 1]), as core.sim.annotate's
# classify reads a truth.
TEMPLATE_TOPICS = (("Hiring", "Business", 0.3), ("Business", "Travel", 0.35), ("Meeting", "Business", 0.25),
                   ("Travel", "Meeting", 0.2), ("Business", "Nothing to report", 0.45), ("Hiring", "Meeting", 0.7),
                   ("Nothing to report", "Business", 0.15))


def _entity(label: str, rng: random.Random) -> str:
    if label == "Person":
        return f"{rng.choice(FIRST)} {rng.choice(LAST)}"
    if label == "Organization":
        return rng.choice(ORGS)
    if label == "Location":
        return rng.choice(PLACES)
    return f"{rng.randint(1, 28)} {rng.choice(MONTHS)} {rng.choice((2024, 2025, 2026))}"


def sentence(rng: random.Random) -> dict:
    """{"text", "entities": [{"label", "startOffset", "endOffset"}], "template"}: offsets are Python
    slices (§2); `template` indexes TEMPLATES."""
    text, entities = "", []
    template = rng.choice(TEMPLATES)
    for piece in template:
        if piece in NER_LABELS:
            value = _entity(piece, rng)
            entities.append({"label": piece, "startOffset": len(text), "endOffset": len(text) + len(value)})
            text += value
        else:
            text += piece
    return {"text": text, "entities": entities, "template": TEMPLATES.index(template)}


def topic_truth(text: str, template: int, seed: int) -> dict:
    """What core.sim.annotate.classify needs of a sentence: its topic, the one it is taken for, and
    its template's difficulty varied a little per sentence (its own random stream, so drawing it
    leaves the sentences as they were)."""
    topic, confusable, difficulty = TEMPLATE_TOPICS[template]
    jitter = random.Random(f"{seed}/topic/{text}").uniform(-0.1, 0.1)
    return {"label": topic, "confusable": confusable, "difficulty": round(min(max(difficulty + jitter, 0.0), 1.0), 3)}


def label_file(labels: list[str]) -> bytes:
    """NER label category file: labels plus the instructions the NER UI shows (§6)."""
    return json.dumps({"document-version": "2018-11-28", "labels": [{"label": x} for x in labels],
                       "instructions": {"shortInstruction": "Highlight every name, place, organization and date.",
                                        "fullInstruction": "Select whole names; leave out titles and punctuation."},
                       }).encode()


def write_sentences(open_uri: OpenUri, prefix_uri: str, count: int, seed: int) -> Dataset:
    """`count` sentences: `sentences.manifest` (inline `source` lines), `labels.json`, `gold.jsonl`.
    The truth is keyed by the text itself, the manifest line's `source`, and holds its entities and
    its topic (write_topics writes the topics' files)."""
    rng = random.Random(f"{seed}/sentences")
    prefix = prefix_uri.rstrip("/")
    made, seen = [], set()
    while len(made) < count:  # every line a different text: a manifest repeats no object (core.manifests)
        drawn = sentence(rng)
        if drawn["text"] not in seen:
            seen.add(drawn["text"])
            made.append(drawn)
    sources = [m["text"] for m in made]
    truth = {m["text"]: {"text": m["text"], "entities": m["entities"], **topic_truth(m["text"], m["template"], seed)}
             for m in made}
    ds = Dataset("sentences", NER_LABELS, sources, truth, f"{prefix}/sentences.manifest", f"{prefix}/labels.json",
                 f"{prefix}/gold.jsonl")
    put(open_uri, ds.manifest_uri, manifest_bytes({"source": s} for s in sources))
    put(open_uri, ds.labels_uri, label_file(NER_LABELS))
    put(open_uri, ds.gold_uri, manifest_bytes({"source": m["text"], "entities": m["entities"]} for m in made))
    return ds


def write_topics(open_uri: OpenUri, sentences: Dataset) -> Dataset:
    """The sentences as a topic classification data set: the same manifest and truth, with
    `topics.json` (a label category file, §6) and `gold-topics.jsonl` (`source` and `label`) beside them."""
    prefix = sentences.manifest_uri.rsplit("/", 1)[0]
    ds = Dataset("topics", TOPICS, sentences.sources, sentences.truth, sentences.manifest_uri, f"{prefix}/topics.json",
                 f"{prefix}/gold-topics.jsonl")
    put(open_uri, ds.labels_uri, label_config(TOPICS))
    put(open_uri, ds.gold_uri, manifest_bytes({"source": s, "label": ds.truth[s]["label"]} for s in ds.sources))
    return ds
