"""The package's shape: what production settings load (docs/architecture.md, Layers)."""

import os
import subprocess
import sys

CHECK = (
    "import django; django.setup(); from django.apps import apps; "
    "print(apps.is_installed('salestrack.dev'))"
)


def installed_dev(**env) -> str:
    environ = {k: v for k, v in os.environ.items() if k not in ("SECURE_SSL", "DEV_TOOLS")}
    environ |= {"DJANGO_SETTINGS_MODULE": "salestrack.settings", **env}
    result = subprocess.run(
        [sys.executable, "-c", CHECK], env=environ, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


def test_production_settings_do_not_load_the_dev_tools():
    assert installed_dev(SECURE_SSL="1") == "False"
    assert installed_dev(DEV_TOOLS="0") == "False"


def test_dev_tools_load_by_default_and_when_asked():
    assert installed_dev() == "True"
    assert installed_dev(SECURE_SSL="1", DEV_TOOLS="1") == "True"
