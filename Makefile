# iost-flight — two commands on a fresh Debian 12 machine:
#   make run    build and start iostd on simulated hardware with a live ground view
#   make test   every test (unit, real peers, libgpiod v1 + v2 builds)
# `make deps` is what both call first: it installs only what is missing.

SHELL        := /bin/bash
SWIFT        ?= swift
CONFIG       ?= debug
VENV         := .venv
PYTHON       := $(VENV)/bin/python
CACHE        := .cache
APT_PACKAGES := libgpiod-dev libi2c-dev libmodbus-dev gpiod i2c-tools socat python3-venv
# Test peers, pinned (see requirements-test.txt).
PY_STAMP     := $(VENV)/.installed-$(shell cat requirements-test.txt 2>/dev/null | md5sum | cut -c1-8)
SWIFT_FLAGS  := -c $(CONFIG)

export IOST_PYTHON := $(abspath $(PYTHON))
export IOST_REPO   := $(abspath .)

.PHONY: all deps apt-deps py-deps build test test-swift test-gpiod-v2 test-hil run probe clean install bench lint format

all: build

## deps: install missing apt packages and the Python venv of test peers
deps: apt-deps py-deps

apt-deps:
	@missing=""; for p in $(APT_PACKAGES); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' || missing="$$missing $$p"; \
	done; \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing$$missing"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi

py-deps: $(PY_STAMP)

$(PY_STAMP): requirements-test.txt
	@test -x $(PYTHON) || { python3 -m venv $(VENV) || /usr/bin/python3 -m venv $(VENV); }
	@$(PYTHON) -m pip install -q --disable-pip-version-check -r requirements-test.txt
	@rm -f $(VENV)/.installed-*; touch $@

## build: compile everything
build: apt-deps
	$(SWIFT) build $(SWIFT_FLAGS)

## lint: swift-format (the toolchain's `swift format`) with .swift-format, every finding an error
lint:
	$(SWIFT) format lint --strict --recursive Sources Tests

## format: rewrite Sources and Tests in place to .swift-format (what `make lint` checks)
format:
	$(SWIFT) format format --in-place --recursive Sources Tests

## test: every test, from nothing to green
test: deps
	@$(MAKE) --no-print-directory lint
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build
	@$(MAKE) --no-print-directory test-gpiod-v2
	@$(MAKE) --no-print-directory test-hil
	@$(MAKE) --no-print-directory test-deb

## test-gpiod-v2: compile and link the libgpiod v2 branch of CGPIODCompat against libgpiod 2.x sources
test-gpiod-v2: py-deps
	@scripts/test-gpiod-v2.sh

## test-hil: real Linux backends against i2c-stub, gpio-sim and pymodbus in a QEMU guest (root;
## installs qemu-system-x86 etc. itself; IOST_SKIP_HIL=1 skips loudly). See scripts/hil-test.sh.
test-hil: py-deps
	@scripts/hil-test.sh

.PHONY: deb test-deb

## deb: the Debian package .build/deb/iost-flight_<version>_<arch>.deb: iostd and iost-ground with
## the Swift runtime linked statically (release build in .build-deb), unit, users, udev rules,
## /etc/iost/iostd.toml (conffile), examples, man pages. See scripts/deb-build.sh.
deb: apt-deps
	@scripts/deb-build.sh

## test-deb: the package installed with apt-get in a clean Debian 12 root (debootstrap, cached in
## /var/cache/iost-deb-root) and run there: probe, sim, run with READY=1 and decoded TM, the unit
## verified under Debian's systemd, remove/purge (root). See scripts/deb-test.sh.
test-deb: deb py-deps
	@scripts/deb-test.sh

## probe: read every device of the simulated vehicle once
probe: build
	$(SWIFT) run $(SWIFT_FLAGS) iostd probe

## run: iostd on simulated hardware with a live ground view
run: deps build
	@scripts/run-sim.sh

## bench: performance figures on the release build (bench/README.md); QUICK=1 for a < 3 min run.
# Writes bench/results.json and bench/RESULTS.md. Installs rt-tests (cyclictest) if missing.
QUICK        ?=
# As deployed: the Swift runtime and Foundation linked statically into the binaries (libc, libstdc++,
# libm and the three C libraries stay shared), so no shared copy of libswiftCore/Foundation/ICU text
# is mapped. BENCH_FLAGS= measures the dynamically linked build instead.
BENCH_FLAGS  ?= --static-swift-stdlib
bench:
	@command -v cyclictest >/dev/null || { \
	  echo "make bench: installing rt-tests (cyclictest)"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends rt-tests >/dev/null; }
	@# Only the three binaries: the test-support target (PeerSupport imports Testing) has no static build.
	for product in iostd iost-bench iost-ground; do $(SWIFT) build -c release $(BENCH_FLAGS) --product $$product || exit 1; done
	python3 bench/run.py $(if $(QUICK),--quick) --build-flags="$(BENCH_FLAGS)" --bin "$$($(SWIFT) build -c release $(BENCH_FLAGS) --show-bin-path)"

clean:
	rm -rf .build $(CACHE)

## install: release build of iostd (and iost-ground), the systemd unit, users and udev rules, a first config
# Variables: PREFIX (/usr/local), DESTDIR (staging root for packaging), UNITDIR, SYSUSERSDIR,
# UDEVRULESDIR, CONFDIR. The unit's ExecStart follows PREFIX. An existing config is never
# overwritten; the udev rules are installed only if absent (SBC distributions have their own).
PREFIX       ?= /usr/local
BINDIR       ?= $(PREFIX)/bin
DOCDIR       ?= $(PREFIX)/share/doc/iost
UNITDIR      ?= /etc/systemd/system
SYSUSERSDIR  ?= /usr/lib/sysusers.d
UDEVRULESDIR ?= /etc/udev/rules.d
CONFDIR      ?= /etc/iost
INSTALL      ?= install

install:
	$(SWIFT) build -c release
	@bin="$$($(SWIFT) build -c release --show-bin-path)"; \
	set -e; \
	$(INSTALL) -d -m 0755 "$(DESTDIR)$(BINDIR)" "$(DESTDIR)$(UNITDIR)" "$(DESTDIR)$(SYSUSERSDIR)" \
	  "$(DESTDIR)$(UDEVRULESDIR)" "$(DESTDIR)$(CONFDIR)" "$(DESTDIR)$(DOCDIR)"; \
	$(INSTALL) -m 0755 "$$bin/iostd" "$(DESTDIR)$(BINDIR)/iostd"; \
	echo "installed $(DESTDIR)$(BINDIR)/iostd"; \
	if [ -x "$$bin/iost-ground" ]; then \
	  $(INSTALL) -m 0755 "$$bin/iost-ground" "$(DESTDIR)$(BINDIR)/iost-ground"; \
	  echo "installed $(DESTDIR)$(BINDIR)/iost-ground"; \
	fi; \
	sed -e 's#/usr/local/bin/iostd#$(BINDIR)/iostd#' -e 's#/usr/local/share/doc/iost#$(DOCDIR)#' \
	  -e 's#/etc/iost/iostd.toml#$(CONFDIR)/iostd.toml#' systemd/iostd.service > "$(DESTDIR)$(UNITDIR)/iostd.service"; \
	chmod 0644 "$(DESTDIR)$(UNITDIR)/iostd.service"; \
	echo "installed $(DESTDIR)$(UNITDIR)/iostd.service"; \
	$(INSTALL) -m 0644 systemd/iostd.sysusers "$(DESTDIR)$(SYSUSERSDIR)/iostd.conf"; \
	echo "installed $(DESTDIR)$(SYSUSERSDIR)/iostd.conf"; \
	if [ -e "$(DESTDIR)$(UDEVRULESDIR)/60-iost-devices.rules" ]; then \
	  echo "kept      $(DESTDIR)$(UDEVRULESDIR)/60-iost-devices.rules (exists)"; \
	else \
	  $(INSTALL) -m 0644 systemd/60-iost-devices.rules "$(DESTDIR)$(UDEVRULESDIR)/60-iost-devices.rules"; \
	  echo "installed $(DESTDIR)$(UDEVRULESDIR)/60-iost-devices.rules"; \
	fi; \
	if [ -e "$(DESTDIR)$(CONFDIR)/iostd.toml" ]; then \
	  echo "kept      $(DESTDIR)$(CONFDIR)/iostd.toml (exists; the bench config is config/bench.toml)"; \
	else \
	  $(INSTALL) -m 0644 config/bench.toml "$(DESTDIR)$(CONFDIR)/iostd.toml"; \
	  echo "installed $(DESTDIR)$(CONFDIR)/iostd.toml (from config/bench.toml: edit the buses and devices)"; \
	fi; \
	$(INSTALL) -m 0644 README.md "$(DESTDIR)$(DOCDIR)/README.md"; \
	echo; \
	echo "Next, as root:"; \
	echo "  systemd-sysusers                       # user iost, groups gpio/i2c"; \
	echo "  udevadm control --reload && udevadm trigger --subsystem-match=i2c-dev --subsystem-match=gpio --subsystem-match=misc"; \
	echo "  systemctl daemon-reload"; \
	echo "  systemctl enable --now iostd"; \
	echo "  systemctl status iostd; journalctl -u iostd -f"

.PHONY: uninstall

## uninstall: remove what install put in place, except the config and the state in /var/lib/iost
uninstall:
	@if [ -z "$(DESTDIR)" ] && command -v systemctl >/dev/null; then systemctl disable --now iostd 2>/dev/null || true; fi
	rm -f "$(DESTDIR)$(BINDIR)/iostd" "$(DESTDIR)$(BINDIR)/iost-ground" \
	  "$(DESTDIR)$(UNITDIR)/iostd.service" "$(DESTDIR)$(SYSUSERSDIR)/iostd.conf" \
	  "$(DESTDIR)$(UDEVRULESDIR)/60-iost-devices.rules" "$(DESTDIR)$(DOCDIR)/README.md"
	-rmdir "$(DESTDIR)$(DOCDIR)" 2>/dev/null || true
	@echo "kept $(DESTDIR)$(CONFDIR) and /var/lib/iost; run 'systemctl daemon-reload'"
