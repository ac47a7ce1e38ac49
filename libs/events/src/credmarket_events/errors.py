"""The one error a message that is not a valid event raises."""


class InvalidEventError(ValueError):
    """A Kafka message is not a valid credmarket event.

    ``reason`` is a short machine-readable code (``missing_header``,
    ``bad_json``, ``unknown_type``, ``invalid_data``, ...) and the message says,
    for a human, what exactly is wrong.
    """

    def __init__(self, reason: str, detail: str) -> None:
        super().__init__(f"{reason}: {detail}")
        self.reason = reason
        self.detail = detail
