"""The HTTP service: accepts jobs, queues them for the workers, reports, serves files.

It never renders or converts in a request; `create_app` in service.api.main builds it.
"""
