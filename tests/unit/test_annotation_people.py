"""Workers named in the annotations' tables as the Workers page names them (core.annotations.people)."""

import pandas as pd

from core.annotations.people import natural_order, rename_workers, worker_labels


def test_known_names_are_used_and_an_unknown_worker_keeps_its_id():
    assert worker_labels(["w1", "w2", None], {"w1": "Ada"}, anonymize=False) == {"w1": "Ada", "w2": "w2"}


def test_anonymised_a_worker_the_names_miss_gets_the_next_worker_n_never_its_id():
    names = worker_labels(["w9", "w1", "w8"], {"w1": "Worker 2", "x": "Worker 1"}, anonymize=True)
    assert names == {"w1": "Worker 2", "w8": "Worker 3", "w9": "Worker 4"}


def test_rename_leaves_the_team_row_and_other_columns_alone():
    frame = pd.DataFrame({"worker": ["w1", "Team"], "who": ["w1", "Result"], "job": ["w1", "j"]})
    renamed = rename_workers(frame, {"w1": "Ada"}, ("worker", "who", "missing"))
    assert renamed.to_dict("list") == {"worker": ["Ada", "Team"], "who": ["Ada", "Result"], "job": ["w1", "j"]}
    assert frame["worker"].tolist() == ["w1", "Team"]  # a copy: a memoised report stays as computed


def test_names_sort_as_people_read_them():
    assert natural_order(["Worker 10", "worker 2", "Ada"]) == ["Ada", "worker 2", "Worker 10"]
