"""Ops tooling on the real broker: tail, trace, lag, dead letters and their replay, topics.

The CLI (`credmarket-ops`) and the ops page both call these modules; neither has
logic of its own beyond presentation.
"""
