"""The marketplace driven over HTTP as its real actors would: the demo and the e2e tests."""
