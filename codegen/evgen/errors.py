"""The one error type the generator raises for problems in a schema."""


class SchemaError(Exception):
    """A schema the generator refuses; `path` is a JSON Pointer URI fragment like '#/properties/a/type'."""

    def __init__(self, path, message):
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message
