"""Automated data labeling's machine learning: features, the model, the confidence threshold and
the files the model leaves behind (docs/ground-truth.md §1, §4).

The simulated image-classification algorithm is scikit-learn on the images' pixels: every image is
read from the bucket, converted to grayscale and box-downsampled to 8x8 (the 64 values are its ink,
0..255), then an RBF kernel approximation (the Nystroem method, at most 300 training rows as basis)
feeds scikit-learn's multinomial LogisticRegression. It trains in well under a second on thousands
of images (one BLAS thread).

Confidence threshold (§4: "a label-prediction confidence level that corresponds to at least 95%
label accuracy ... compared to the labels that human labelers would provide"; an object is
auto-labeled when "the expected quality of automatically labeling exceeds the requested level of
accuracy"): the model predicts the human-labeled validation objects; the threshold is the lowest
confidence at which (1) the calibrated accuracy (isotonic regression of right/wrong on confidence)
reaches the target, and (2) the one-sided 95% lower bound (Wilson) of the accuracy of the
validation objects at or above it reaches the target too. See `choose_threshold`.

Files (layout below `activelearning/` and `training/` beyond what §1 states is UNCONFIRMED):
- `model.tar.gz`: deterministic bytes (tar and gzip times are 0) holding `model.json` (labels,
  classes, features, kernel parameters) and `basis.npy`, `coef.npy`, `intercept.npy`;
  `load_artifact` rebuilds the model from it.
- `validation.json` (SIMULATOR-SPECIFIC: real Ground Truth reports validation accuracy only in
  CloudWatch logs, §1/§4 UNCONFIRMED): one record per training round, see `validation_record`.
"""

from __future__ import annotations

import gzip
import io
import json
import math
import tarfile
import threading
import warnings
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
from PIL import Image

FEATURE_SIZE = 8  # images are box-downsampled to FEATURE_SIZE x FEATURE_SIZE grayscale
GAMMA = 0.25  # RBF kernel width on ink in [0, 1]
BASIS = 300  # Nystroem components (training rows) at most
C = 10.0  # inverse regularization of the logistic regression
ACCURACY_TARGET = 0.95  # classification (§4)
Z = 1.645  # one-sided 95% for the lower bound of the validation accuracy
MIN_OBJECTS = 1250  # the smallest data set auto-labeling accepts (§4)
LARGE_DATASET = 5000  # from here the validation set is 10% of the data, below 20% (§4)
ARTIFACT_FORMAT = "ground-control-simulator/nystroem-logistic-regression/1"


def validation_size(dataset: int, to_label: int) -> int:
    """Objects in the validation set: 20% of the data below 5,000 objects, else 10% (§4), taken
    from the objects this job labels."""
    share = 0.2 if dataset < LARGE_DATASET else 0.1
    return min(to_label, int(math.floor(share * to_label + 0.5)))


# --- features -----------------------------------------------------------------------------------------


def image_features(data: bytes) -> np.ndarray | None:
    """The 64 ink values (uint8) of an image, or None when it cannot be decoded."""
    try:
        with Image.open(io.BytesIO(data)) as picture:
            small = picture.convert("L").resize((FEATURE_SIZE, FEATURE_SIZE), Image.Resampling.BOX)
            return (255 - np.asarray(small, dtype=np.uint8)).reshape(-1)
    except (OSError, ValueError, Image.DecompressionBombError):
        return None


def read_features(sources: Sequence[str | None], fetch: Callable[[str], bytes | None]) -> tuple[np.ndarray, np.ndarray]:
    """(features (n, 64) uint8, usable (n,) bool) of every source; `fetch` returns an object's
    bytes or None. Objects that cannot be read are never auto-labeled (they go to humans)."""
    out = np.zeros((len(sources), FEATURE_SIZE * FEATURE_SIZE), dtype=np.uint8)
    usable = np.zeros(len(sources), dtype=bool)
    for i, source in enumerate(sources):
        data = fetch(source) if source else None
        found = image_features(data) if data else None
        if found is not None:
            out[i], usable[i] = found, True
    return out, usable


# --- the model ----------------------------------------------------------------------------------------


def _rbf(x: np.ndarray, basis: np.ndarray, gamma: float) -> np.ndarray:
    d = (x * x).sum(1)[:, None] + (basis * basis).sum(1)[None, :] - 2.0 * x @ basis.T
    return np.exp(-gamma * np.maximum(d, 0.0))


def _normalization(basis: np.ndarray, gamma: float) -> np.ndarray:
    # As sklearn.kernel_approximation.Nystroem.fit: K^-1/2 of the basis kernel.
    u, s, v = np.linalg.svd(_rbf(basis, basis, gamma))
    return (u / np.sqrt(np.maximum(s, 1e-12))) @ v


@dataclass
class Model:
    """A trained classifier: RBF features on `basis` rows, then a linear softmax layer."""

    labels: list[str]  # the job's label categories
    classes: np.ndarray  # label index of each output (only classes seen in training)
    basis: np.ndarray  # (m, 64) uint8 rows of the training set
    coef: np.ndarray  # (k, m) float32; k == 1 for two classes (logistic)
    intercept: np.ndarray  # (k,) float32
    gamma: float
    trained_on: int  # training objects
    _norm: np.ndarray | None = None

    def probabilities(self, features: np.ndarray) -> np.ndarray:
        """(n, len(classes)) class probabilities of uint8 feature rows."""
        if self._norm is None:
            self._norm = _normalization(self.basis.astype(np.float64) / 255, self.gamma)
        x = features.astype(np.float64) / 255
        z = _rbf(x, self.basis.astype(np.float64) / 255, self.gamma) @ self._norm.T
        logits = z @ self.coef.astype(np.float64).T + self.intercept.astype(np.float64)
        if logits.shape[1] == 1:  # two classes: logistic
            logits = np.hstack([np.zeros_like(logits), logits])
        logits -= logits.max(axis=1, keepdims=True)
        e = np.exp(logits)
        return e / e.sum(axis=1, keepdims=True)

    def predict(self, features: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(label index, confidence) per row."""
        if len(features) == 0:
            return np.zeros(0, dtype=int), np.zeros(0)
        p = self.probabilities(features)
        best = p.argmax(axis=1)
        return self.classes[best], p[np.arange(len(p)), best]


def preload() -> None:
    """Import the learner in a background thread: importing scikit-learn (and SciPy) costs over a
    second of CPU, which then overlaps with writing images instead of holding up the first model."""

    def load() -> None:
        try:
            import sklearn.isotonic  # noqa: F401, PLC0415
            import sklearn.linear_model  # noqa: F401, PLC0415
        except ImportError:  # train() says so when it needs it
            pass

    threading.Thread(target=load, name="preload-sklearn", daemon=True).start()


def train(features: np.ndarray, labels: np.ndarray, names: list[str], seed: int) -> Model | None:
    """Fit on uint8 rows and label indexes; None when fewer than two classes are known. The
    Nystroem method as sklearn.kernel_approximation.Nystroem does it (a random subset of the rows
    as basis), on the uint8 rows themselves so that model.tar.gz reproduces the model exactly."""
    if len(np.unique(labels)) < 2:
        return None
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415 (importing sklearn takes a second)
    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    basis = features[np.random.RandomState(seed).permutation(len(features))[:BASIS]]
    model = Model(labels=list(names), classes=np.zeros(0, dtype=int), basis=basis, coef=np.zeros(0),
                  intercept=np.zeros(0), gamma=GAMMA, trained_on=len(features))
    # One BLAS thread: small matrices, and multi-threaded BLAS was measured 100x slower here.
    with threadpool_limits(1), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        model._norm = _normalization(basis.astype(np.float64) / 255, GAMMA)
        z = _rbf(features.astype(np.float64) / 255, basis.astype(np.float64) / 255, GAMMA) @ model._norm.T
        fitted = LogisticRegression(C=C, max_iter=1000).fit(z, labels)
    model.classes = fitted.classes_.astype(int)
    model.coef = fitted.coef_.astype(np.float32)
    model.intercept = fitted.intercept_.astype(np.float32)
    return model


# --- the threshold ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Threshold:
    value: float | None  # auto-label at or above this confidence; None: the model is not good enough
    covered: int  # validation objects at or above it
    correct: int  # ... of them whose prediction equals the human label
    lower_bound: float | None  # Wilson lower bound of their accuracy
    expected: float | None  # calibrated accuracy of an object right at the threshold


NO_THRESHOLD = Threshold(None, 0, 0, None, None)


def wilson_lower(correct: np.ndarray, n: np.ndarray, z: float = Z) -> np.ndarray:
    p = correct / n
    centre = p + z * z / (2 * n)
    spread = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (centre - spread) / (1 + z * z / n)


def choose_threshold(confidence: np.ndarray, correct: np.ndarray, target: float = ACCURACY_TARGET) -> Threshold:
    """The lowest validation confidence such that (1) an object that confident is expected to be
    right at least `target` of the time (isotonic calibration of correctness on confidence), and
    (2) the Wilson lower bound of the accuracy of all validation objects at or above it reaches
    `target`. (1) keeps later rounds honest: what is left to label crowds just above the
    threshold, where the average over everything above it would flatter the model."""
    if len(confidence) == 0:
        return NO_THRESHOLD
    from sklearn.isotonic import IsotonicRegression  # noqa: PLC0415

    order = np.argsort(-confidence, kind="stable")
    conf, hits = confidence[order], correct[order].astype(float)
    expected = IsotonicRegression(increasing=True, out_of_bounds="clip").fit(conf, hits).predict(conf)
    # Ties: a threshold takes every object of its confidence, so only the last of equal values counts.
    ends = np.flatnonzero(np.append(conf[1:] != conf[:-1], True))
    n = ends + 1.0
    right = np.cumsum(hits)[ends]
    bound = wilson_lower(right, n)
    calibrated = expected[ends]
    # Calibrated accuracy only falls with confidence: the objects that meet (1) are a top segment.
    segment = np.flatnonzero(calibrated < target)
    stop = segment[0] if len(segment) else len(ends)
    ok = np.flatnonzero(bound[:stop] >= target)
    if len(ok) == 0:
        return NO_THRESHOLD
    best = ok[-1]
    return Threshold(float(conf[ends[best]]), int(n[best]), int(right[best]), float(bound[best]),
                     float(calibrated[best]))


def validation_record(iteration: int, training_job: str, training_objects: int, from_initial_model: int,
                      validation: int, validation_correct: int | None, threshold: Threshold, candidates: int,
                      auto_labeled: int) -> dict:
    """SIMULATOR-SPECIFIC (see the module docstring): what one training round measured.
    `validation_correct` is None when no model could be trained (a single class so far)."""
    return {
        "iteration": iteration,
        "training_job": training_job,
        "training_objects": training_objects,
        "training_objects_from_initial_model": from_initial_model,
        "validation_objects": validation,
        "validation_accuracy": round(validation_correct / validation, 4)
        if validation and validation_correct is not None else None,
        "accuracy_target": ACCURACY_TARGET,
        "confidence_threshold": None if threshold.value is None else round(threshold.value, 6),
        "validation_objects_above_threshold": threshold.covered,
        "accuracy_above_threshold": round(threshold.correct / threshold.covered, 4) if threshold.covered else None,
        "accuracy_lower_bound": None if threshold.lower_bound is None else round(threshold.lower_bound, 4),
        "expected_accuracy_at_threshold": None if threshold.expected is None else round(threshold.expected, 4),
        "unlabeled_objects": candidates,
        "auto_labeled_objects": auto_labeled,
        "note": "written by the Ground Control simulator; Ground Truth itself logs validation to CloudWatch",
    }


# --- model.tar.gz ------------------------------------------------------------------------------------


def _npy(array: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.save(buf, np.ascontiguousarray(array), allow_pickle=False)
    return buf.getvalue()


def model_artifact(model: Model) -> bytes:
    """`model.tar.gz`, the same bytes for the same model."""
    meta = {
        "format": ARTIFACT_FORMAT,
        "labels": model.labels,
        "classes": [int(c) for c in model.classes],
        "features": {"size": [FEATURE_SIZE, FEATURE_SIZE], "resampling": "box", "value": "255 - gray (uint8)"},
        "kernel": {"name": "rbf", "gamma": model.gamma, "input_scale": 1 / 255},
        "training_objects": model.trained_on,
    }
    members = {
        "model.json": json.dumps(meta, indent=1).encode(),
        "basis.npy": _npy(model.basis),
        "coef.npy": _npy(model.coef),
        "intercept.npy": _npy(model.intercept),
    }
    raw = io.BytesIO()
    with tarfile.open(fileobj=raw, mode="w", format=tarfile.USTAR_FORMAT) as tar:
        for name, data in members.items():
            info = tarfile.TarInfo(name)
            info.size, info.mtime, info.mode = len(data), 0, 0o644
            tar.addfile(info, io.BytesIO(data))
    out = io.BytesIO()
    with gzip.GzipFile(filename="", mode="wb", fileobj=out, mtime=0) as gz:
        gz.write(raw.getvalue())
    return out.getvalue()


def load_artifact(data: bytes) -> Model:
    """The model in a `model.tar.gz` written by `model_artifact` (no pickle involved)."""
    with tarfile.open(fileobj=io.BytesIO(data), mode="r:gz") as tar:
        files = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    meta = json.loads(files["model.json"])
    if meta.get("format") != ARTIFACT_FORMAT:
        raise ValueError(f"not a simulator model: format {meta.get('format')!r}")

    def array(name: str) -> np.ndarray:
        return np.load(io.BytesIO(files[name]), allow_pickle=False)

    basis = array("basis.npy")
    return Model(labels=meta["labels"], classes=np.asarray(meta["classes"], dtype=int), basis=basis,
                 coef=array("coef.npy"), intercept=array("intercept.npy"), gamma=meta["kernel"]["gamma"],
                 trained_on=meta["training_objects"])


# --- a model's training data, kept for InitialActiveLearningModelArn --------------------------------------


def training_data(features: np.ndarray, labels: np.ndarray, names: list[str]) -> dict:
    """JSON of a training set, by label name so another job's label order does not matter."""
    return {"labels": list(names), "features": features.astype(int).tolist(), "classes": labels.astype(int).tolist()}


def from_training_data(doc: dict, names: list[str]) -> tuple[np.ndarray, np.ndarray]:
    """(features, label indexes in `names`) of a stored training set; rows of other labels are dropped."""
    index = {name: i for i, name in enumerate(names)}
    mapped = [index.get(doc["labels"][c], -1) for c in doc["classes"]]
    keep = [i for i, m in enumerate(mapped) if m >= 0]
    features = np.asarray(doc["features"], dtype=np.uint8).reshape(-1, FEATURE_SIZE * FEATURE_SIZE)
    return features[keep], np.asarray([mapped[i] for i in keep], dtype=int)


def seed_of(*parts) -> int:
    """A stable 31-bit seed from any values (hash() is salted per process)."""
    return zlib.crc32("/".join(map(str, parts)).encode()) & 0x7FFFFFFF
