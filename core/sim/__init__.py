"""A local Ground Truth: the LabelingService interface on a simulated private workforce, writing
the real output layout into folders that stand for buckets (docs/ground-truth.md §1-§4, §6).

    clock       simulated time (fixed for tests and building, accelerated for the app)
    workforce   workers: Cognito identities, working hours, speeds, habits of error
    annotate    what a worker answers, by task type; consolidate: what the ACS Lambda makes of it
    audit_answers, frame_answers, mask_answers   answers to verification and adjustment, video
                tracking and segmentation tasks; labels: the consolidated label of every task type
    datasets    digits (scikit-learn) and synthetic shapes, written into a bucket with their truth;
                texts: generated sentences with their entities; sequences: videos of moving shapes
    engine      a job's whole life, planned deterministically; output: its files, written as due
    plan        the plan's values (spec, runs, iterations, rounds); outcome: the plan cut where the job ended
    autolabel   automated data labeling's model (scikit-learn), confidence threshold and artifacts
    service     SimulatedService (core.gt.service.LabelingService); buckets: s3:// to folders
    workteams, intake, models   SimulatedService's mixins: work teams and Cognito users, checking a
                create request, auto-labeling models; state: its state files
Scenarios, whose jobs are launched through core.launch as a person would launch them:
    demo         build_demo / open_demo: three weeks of a team's work and a job still running
    walkthrough  the pre-trained model walkthrough (core.benchmark.experiment's three auto-labeling
                 jobs) in a workspace of its own
"""
