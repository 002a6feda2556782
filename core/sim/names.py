"""The demo's bucket and where its jobs write: named here, apart from the simulator, so that opening a
workspace (every command and page) does not import the simulator to read two names."""

BUCKET = "ground-control-demo"
JOB_OUTPUT = "labeling-jobs"
OUTPUT_URI = f"s3://{BUCKET}/{JOB_OUTPUT}/"
