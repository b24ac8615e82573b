"""Microsoft.Compute's catalogue (providers/compute/catalogue.py): VM sizes and marketplace images through
the unmodified azure-mgmt-compute client (models checked strictly)."""

import pytest
from azure.core.exceptions import ResourceNotFoundError
from sdk_models import strict, strict_all


def test_sizes_and_image_catalogue(fast):
    sizes = {s.name: s for s in strict_all(fast.compute.virtual_machine_sizes.list("westeurope"))}
    for name in ("Standard_B1s", "Standard_B1ms", "Standard_B2s", "Standard_B2ms", "Standard_D2s_v3",
                 "Standard_D2s_v5", "Standard_D4s_v5", "Standard_F2s_v2"):
        assert name in sizes
    assert (sizes["Standard_B2s"].number_of_cores, sizes["Standard_B2s"].memory_in_mb,
            sizes["Standard_B2s"].max_data_disk_count) == (2, 4096, 4)
    images = fast.compute.virtual_machine_images
    assert {"Canonical", "Debian", "RedHat"} <= {p.name for p in strict_all(images.list_publishers("westeurope"))}
    assert {"debian-11", "debian-12"} <= {o.name for o in strict_all(images.list_offers("westeurope", "Debian"))}
    assert {"12", "12-gen2"} <= {s.name for s in strict_all(images.list_skus("westeurope", "Debian", "debian-12"))}
    assert {"22_04-lts", "22_04-lts-gen2"} <= {s.name for s in images.list_skus(
        "westeurope", "Canonical", "0001-com-ubuntu-server-jammy")}
    assert "server" in {s.name for s in images.list_skus("westeurope", "Canonical", "ubuntu-24_04-lts")}
    versions = strict_all(images.list("westeurope", "Debian", "debian-12", "12-gen2"))
    assert len(versions) >= 2 and versions[0].id.startswith(f"/Subscriptions/{fast.subscription}/Providers/")
    newest = images.list("westeurope", "debian", "DEBIAN-12", "12-gen2", top=1, orderby="name desc")
    assert [v.name for v in newest] == [max((v.name for v in versions),
                                            key=lambda v: [int(p) for p in v.split(".")])]
    image = strict(images.get("westeurope", "Debian", "debian-12", "12-gen2", versions[0].name))
    assert image.properties.hyper_v_generation == "V2" and image.properties.os_disk_image.operating_system == "Linux"
    for call in (lambda: list(images.list_offers("westeurope", "NoSuchPublisher")),
                 lambda: list(images.list_skus("westeurope", "Debian", "debian-99")),
                 lambda: list(images.list("westeurope", "Debian", "debian-12", "99-gen2")),
                 lambda: images.get("westeurope", "Debian", "debian-12", "12-gen2", "0.1.2")):
        with pytest.raises(ResourceNotFoundError) as info:
            call()
        assert info.value.error.code == "NotFound"
