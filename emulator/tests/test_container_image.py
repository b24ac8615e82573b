"""The recipe of the container VMs' system image (backends/container/image.py): its content key and the
Debian mirror read from this machine's apt sources. Pure; the build itself runs in the machines' tests."""
import textwrap

from dockyard_emulator.backends.container import image as vm_image


def test_content_key_follows_the_recipe():
    a = vm_image.recipe("http://m/debian", "http://m/debian-security")
    b = vm_image.recipe("http://m/debian", "http://m/debian-security")
    assert vm_image.image_tag(a) == vm_image.image_tag(b)
    c = dict(a, packages=a["packages"] + ["jq"])
    assert vm_image.content_key(c) != vm_image.content_key(a)
    d = vm_image.recipe("http://other/debian", "http://m/debian-security")
    assert vm_image.content_key(d) != vm_image.content_key(a)


def test_mirror_is_read_from_apt_sources(tmp_path):
    apt = tmp_path / "etc/apt/sources.list.d"
    apt.mkdir(parents=True)
    (apt / "debian.sources").write_text(textwrap.dedent("""\
        Types: deb
        URIs: http://mirror.example/debian
        Suites: bookworm bookworm-updates
        Components: main

        Types: deb
        URIs: http://mirror.example/debian-security
        Suites: bookworm-security
        Components: main
        """))
    (tmp_path / "etc/apt/sources.list").write_text("# deb http://commented/debian bookworm main\n")
    assert vm_image.configured_mirrors(str(tmp_path)) == (
        "http://mirror.example/debian", "http://mirror.example/debian-security")
    (apt / "debian.sources").unlink()
    (tmp_path / "etc/apt/sources.list").write_text("deb [arch=amd64] http://one.example/debian/ bookworm main\n")
    assert vm_image.configured_mirrors(str(tmp_path)) == (
        "http://one.example/debian", "http://one.example/debian-security")


# ---------------------------------------------------------------------------------------------
