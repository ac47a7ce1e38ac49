"""The edge gateway: one origin (nginx) in front of the four services.

`settings` reads the knobs from the environment, `nginx_conf` renders the nginx
configuration, `openapi_merge` builds the one API reference, `runner` starts and
stops an nginx master process of our own.
"""
