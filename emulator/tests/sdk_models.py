"""Strict checks of SDK model objects: every key the emulator sent is a field the SDK model knows,
and every field deserializes (the typespec models deserialize lazily, on attribute access)."""


# Keys Azure really returns that the SDK models leave out (checked against Azure's responses).
AZURE_EXTRAS = {"OSDiskImage": {"sizeInGb", "sizeInBytes"}, "VirtualMachineImageProperties": {"replicaType"},
                "NetworkInterface": {"kind"}, "NetworkInterfacePropertiesFormat": {"allowPort25Out"}}


def strict(value, path="model"):
    fields = getattr(type(value), "_attr_to_rest_field", None)
    if fields is not None and hasattr(value, "keys"):
        known = {field._rest_name for field in fields.values()}
        unknown = set(value.keys()) - known - AZURE_EXTRAS.get(type(value).__name__, set())
        assert not unknown, f"{path}: keys the SDK model {type(value).__name__} does not know: {sorted(unknown)}"
        for attr in fields:
            strict(getattr(value, attr), f"{path}.{attr}")
    elif isinstance(value, list):
        for index, item in enumerate(value):
            strict(item, f"{path}[{index}]")
    elif isinstance(value, dict):
        for key, item in value.items():
            strict(item, f"{path}[{key}]")
    return value


def strict_all(items):
    items = list(items)
    for item in items:
        strict(item)
    return items
