# Cherha — `make run` starts the demo hall, `make test` runs every test. Both install what they need.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# postgresql: the city server's database, and the real one the city tests start (initdb/pg_ctl in a temp dir).
# chromium-l10n: Chromium's Ukrainian, so a date field reads ДД.ММ.РРРР, not mm/dd/yyyy (tests run it with LANGUAGE=uk).
# systemd (systemd-analyze verify), cage, nginx and openssl: tests/test_deploy.py checks what deploy/ installs.
# The Qt apps' xcb platform plugin (cherha kiosk / console on a real X display) needs the xcb and xkbcommon
# libraries below (`ldd` of PySide6's libqxcb.so); xvfb + xauth let the tests load that plugin without a screen.
QT_XCB_PACKAGES := libxcb-icccm4 libxcb-keysyms1 libxcb-cursor0 libxcb-image0 libxcb-render-util0 libxcb-shape0 \
	libxcb-xinerama0 libxcb-randr0 libxcb-xfixes0 libxcb-xkb1 libxcb-sync1 libxcb-shm0 libxcb-util1 \
	libxkbcommon-x11-0 libxkbcommon0 libfontconfig1 libdbus-1-3 xvfb xauth
APT_PACKAGES := espeak-ng sox chromium chromium-l10n libusb-1.0-0 socat fonts-dejavu-core faketime systemd cage nginx openssl \
	postgresql $(QT_XCB_PACKAGES)
PORT ?= 8080
CHARTJS := display_board/static/vendor/chart.umd.js
ESLINT := .cache/npm/node_modules/.bin/eslint

.DEFAULT_GOAL := help
.PHONY: help setup system-deps run test test-clock check lint bench clean screenshots

help: ## show this help
	@echo "Cherha — електронна черга ЦНАП. Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

system-deps: ## install the Debian packages (espeak-ng, sox, chromium, fonts, Qt's xcb, systemd, nginx, postgresql)
	@missing=""; for p in $(APT_PACKAGES); do dpkg -s $$p >/dev/null 2>&1 || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  echo "installing Debian packages:$$missing"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=""; else SUDO="sudo"; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq $$missing >/dev/null; \
	fi

$(STAMP): pyproject.toml
	@test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[print,apps,dev,city]'
	@touch $(STAMP)

# Chart.js for the supervisor's charts, from the npm registry at set-up (never committed: not our code).
$(CHARTJS):
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	@mkdir -p .cache/npm display_board/static/vendor
	cd .cache/npm && npm install --silent --no-audit --no-fund chart.js@4.4
	cp .cache/npm/node_modules/chart.js/dist/chart.umd.js $@

# ESLint for the pages, from the npm registry into the same cache (a development tool, never shipped).
$(ESLINT):
	@command -v npm >/dev/null || { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null; }
	@mkdir -p .cache/npm
	cd .cache/npm && npm install --silent --no-audit --no-fund eslint@9 @eslint/js@9 globals@15

setup: system-deps $(STAMP) $(CHARTJS) ## create .venv and install Cherha with its dependencies

run: setup ## start the server on the demo hall (18 desks) and print the URLs
	@mkdir -p data/demo
	@$(VENV)/bin/cherha voice --out data/voice
	@test -f data/demo/tokens.env || { \
	  echo "KIOSK_TOKEN=$$($(VENV)/bin/cherha token --role kiosk --name demo-kiosk --data-dir data/demo)"; \
	  echo "DISPLAY_TOKEN=$$($(VENV)/bin/cherha token --role display --name demo-board --data-dir data/demo)"; \
	} > data/demo/tokens.env
	@. data/demo/tokens.env; \
	echo "Табло залу / hall board:   http://127.0.0.1:$(PORT)/board?token=$$DISPLAY_TOKEN"; \
	echo "Табло вікна / desk 7:      http://127.0.0.1:$(PORT)/display/desk/7?token=$$DISPLAY_TOKEN"; \
	echo "Токен кіоску / kiosk token: $$KIOSK_TOKEN  (data/demo/tokens.env)"
	@echo "QR на талонах веде на / ticket QR codes open: http://127.0.0.1:$(PORT) (the demo's own address; a centre sets [centre] public_url)"
	$(VENV)/bin/cherha server --clock-start demo --port $(PORT) --data-dir data/demo --voice-dir data/voice \
	  --public-url http://127.0.0.1:$(PORT)

# No test may depend on the machine's date, time of day or time zone (the hall's clock is injected): `make test`
# runs the suite once as it is and once more with the date moved 400 days on in another time zone.
# libfaketime moves the wall clock only: faking the monotonic clock too hangs Qt's timers.
FAKETIME := FAKETIME_DONT_FAKE_MONOTONIC=1 faketime
test: setup ## run the whole test suite (and again with the machine's date and time zone moved)
	$(VENV)/bin/pytest
	@echo "== again, with this machine's date moved 400 days on and its time zone Pacific/Auckland"
	TZ=Pacific/Auckland $(FAKETIME) -f +400d $(VENV)/bin/pytest

test-clock: setup ## the suite with the date moved a month, then a year, and in another time zone
	$(FAKETIME) -f +30d $(VENV)/bin/pytest
	$(FAKETIME) -f +365d $(VENV)/bin/pytest
	TZ=America/Los_Angeles $(VENV)/bin/pytest

screenshots: setup ## run the tests and keep their screenshots in docs/img
	CHERHA_SHOTS=docs $(VENV)/bin/pytest

lint: setup $(ESLINT) ## ruff, mypy and ESLint (the pages' JavaScript)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/mypy
	$(ESLINT) display_board/static

check: lint test ## lint, type-check and test

bench: setup ## run the benchmarks and write BENCHMARKS.md
	$(PY) -m bench.run_all

clean: ## remove the virtualenv and local data
	rm -rf $(VENV) data .pytest_cache .mypy_cache .ruff_cache
