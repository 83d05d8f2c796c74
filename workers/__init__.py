"""Celery workers: each process takes report jobs off the queue, runs the pipeline."""
