"""The README as a newcomer uses it: a fresh virtual environment with the README's
reproduce install alone (no extras), the test config run end to end, the HTML report built,
and the report opened in a real headless browser (Debian's Chromium, installed by
scripts/browser/install.sh), where it must load without script errors and list every
task's section and every figure.

Needs root to install the browser; the browser part is skipped, with the evidence, only when
not root or when the Debian mirrors cannot be reached.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from backprop86.plan.plan import make_plan

pytestmark = pytest.mark.newcomer

ROOT = Path(__file__).resolve().parents[2]
TEST_CONFIG = "config/test.yaml"
REPORT = "results/report/report.html"
# install.sh's exit codes for "cannot be done here", as opposed to "broken".
EXIT_NOT_ROOT, EXIT_NO_MIRROR = 2, 3
CHROMIUM, CHROMEDRIVER = "/usr/bin/chromium", "/usr/bin/chromedriver"


def _run(cmd, cwd, timeout, env=None):
    proc = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True,
                          timeout=timeout)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))}:\n{proc.stdout[-2000:]}" \
                                 f"\n{proc.stderr[-3000:]}"
    return proc


def _reproduce_install() -> str:
    """The install part of the README's reproduce command (``pip install ... && snakemake
    --cores all``), word for word."""
    commands = re.findall(r"```bash\n(.+?)\n```", (ROOT / "README.md").read_text())
    reproduce = next(c for c in commands if "snakemake" in c and "pip install" in c)
    install = reproduce.split("&&")[0].strip()
    assert install.startswith("pip install") and "[" not in install, install
    return install


def _copy_checkout(dest: Path) -> Path:
    """The files of this checkout that git tracks or would track (no results, no venv)."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT,
                            capture_output=True, text=True)
    assert listed.returncode == 0, listed.stderr
    for name in listed.stdout.splitlines():
        if (ROOT / name).is_file():
            (dest / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, dest / name)
    return dest


@pytest.fixture(scope="module")
def newcomer(tmp_path_factory):
    """A checkout, a fresh venv with the README's install, the test config's run and its
    HTML report."""
    work = _copy_checkout(tmp_path_factory.mktemp("newcomer") / "backprop86")
    venv = work.parent / "venv"
    _run([sys.executable, "-m", "venv", str(venv)], work, 300)
    env = {**os.environ, "PATH": f"{venv / 'bin'}{os.pathsep}{os.environ.get('PATH', '')}",
           "VIRTUAL_ENV": str(venv)}
    env.pop("PYTHONPATH", None)
    _run(["bash", "-c", _reproduce_install()], work, 1200, env)
    started = time.monotonic()
    _run(["snakemake", "--cores", "2", "--configfile", TEST_CONFIG], work, 1200, env)
    print(f"test config run in the newcomer's venv: {time.monotonic() - started:.0f} s")
    _run(["snakemake", "--report", REPORT, "--configfile", TEST_CONFIG], work, 600, env)
    return work


def test_the_readme_install_runs_the_pipeline_and_builds_the_report(newcomer):
    assert (newcomer / "results/report/report.md").stat().st_size > 0
    assert (newcomer / REPORT).stat().st_size > 100_000
    tasks = make_plan(yaml.safe_load((newcomer / TEST_CONFIG).read_text())).tasks
    assert {p.parent.name for p in (newcomer / "figures").glob("*/*.png")} == set(tasks)


@pytest.fixture(scope="module")
def browser():
    install = subprocess.run(["bash", str(ROOT / "scripts/browser/install.sh")],
                             capture_output=True, text=True, timeout=1200)
    evidence = "\n".join((install.stdout + install.stderr).strip().splitlines()[-15:])
    if install.returncode in (EXIT_NOT_ROOT, EXIT_NO_MIRROR):
        pytest.skip(f"Chromium cannot be installed here:\n{evidence}")
    assert install.returncode == 0, f"scripts/browser/install.sh failed:\n{evidence}"
    webdriver = pytest.importorskip("selenium.webdriver")
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    # This machine's network is closed: no background traffic for the browser to wait on.
    for flag in ("--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                 "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--disable-quic", "--no-first-run"):
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(180)
    yield driver
    driver.quit()


def _click(driver, text: str) -> None:
    """Click the menu entry ``text``: the last element of the page with that text (the
    page's title, "Snakemake Report", comes first)."""
    from selenium.webdriver.common.by import By

    driver.find_elements(By.XPATH, f"//*[normalize-space(text())={text!r}]")[-1].click()
    time.sleep(0.3)


def test_the_report_opens_in_a_browser_with_every_task_and_figure(newcomer, browser):
    from selenium.webdriver.common.by import By

    from backprop86.tasks import TASKS

    browser.get((newcomer / REPORT).as_uri())
    time.sleep(2)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
    categories = browser.execute_script("return categories")
    tasks = make_plan(yaml.safe_load((newcomer / TEST_CONFIG).read_text())).tasks
    menu = browser.find_element(By.TAG_NAME, "body").text
    for task in tasks:
        assert TASKS[task].title in menu.splitlines(), f"no section for {task} in the menu"
    listed = set()
    for category, sections in categories.items():
        for section, files in sections.items():
            _click(browser, category)
            if section != "Other":  # a category's items without a subcategory
                _click(browser, section)
            page = browser.find_element(By.TAG_NAME, "body").text
            for file in files:
                assert file in page, (category, section, file)
                listed.add(file)
            _click(browser, "Results")
    drawn = {str(p.relative_to(newcomer)) for p in (newcomer / "figures").glob("*/*.png")}
    assert drawn <= listed, sorted(drawn - listed)
    errors = [e for e in browser.get_log("browser") if e["level"] == "SEVERE"]
    assert not errors, errors
