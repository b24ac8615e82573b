# dockyard.azure: the project's interface. `make demo` runs the main job, `make test` every
# test layer; both start from `make setup`, which prepares a fresh Debian machine.
SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

ROOT := $(CURDIR)
VENV := $(ROOT)/.venv
COLLECTIONS := $(ROOT)/.ansible/collections
COLLECTION := $(COLLECTIONS)/ansible_collections/dockyard/azure
DEMO_STATE := $(ROOT)/.demo/emulator
SWARM_DEMO_STATE := $(ROOT)/.demo/swarm-emulator
MOLECULE_STATE := $(ROOT)/tests/output/molecule/emulator
EMULATOR := $(VENV)/bin/dockyard-emulator
# Evaluated when a recipe runs, i.e. after `setup` created the venv.
PYTHON_VERSION = $(shell $(VENV)/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])')
PYTEST_WORKERS ?= 2
# The collection tarball `make build` writes (name from galaxy.yml).
GALAXY_FIELD = $(shell sed -n 's/^$(1): *//p' $(ROOT)/galaxy.yml)
TARBALL = $(ROOT)/build/$(call GALAXY_FIELD,namespace)-$(call GALAXY_FIELD,name)-$(call GALAXY_FIELD,version).tar.gz
# The docs site: antsibull-docs + Sphinx sources in DOCS_SRC, HTML in DOCS_HTML. Guide links to files
# outside docs/ point at DOCS_SOURCE_URL (the repository from galaxy.yml, GitHub/GitLab layout).
DOCS_SRC := $(ROOT)/build/docs/src
DOCS_HTML := $(ROOT)/build/docs/html
DOCS_SOURCE_URL ?= $(call GALAXY_FIELD,repository)/blob/main

export PATH := $(VENV)/bin:$(PATH)
export ANSIBLE_COLLECTIONS_PATH := $(COLLECTIONS)
export ANSIBLE_CONFIG := $(ROOT)/ansible.cfg
export PYTHONDONTWRITEBYTECODE := 1

.PHONY: help setup sync test sanity lint ruff typecheck generated-check units compose-reference emulator-tests integration reliability molecule release-tests build ee docs docs-lint demo demo-images demo-down demo-swarm demo-swarm-down bench changelog clean clean-docker

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

setup: ## prepare this machine: .venv, Docker engine, collection copy (idempotent)
	@bash tools/setup.sh

sync: ## refresh the collection copy from the working tree (make setup does this too)
	@bash tools/setup.sh --sync-only

test: setup ## every test layer; fails if any fails
	@$(MAKE) --no-print-directory sanity lint units compose-reference emulator-tests integration molecule release-tests
	@echo "make test: all test layers passed"

sanity: ## ansible-test sanity on the collection copy
	cd $(COLLECTION) && ansible-test sanity --venv --python $(PYTHON_VERSION) --color no

lint: ## ansible-lint (production), changelog fragments, ruff, mypy, generated files current, antsibull-docs lint
	ansible-lint
	antsibull-changelog lint
	@$(MAKE) --no-print-directory ruff typecheck generated-check docs-lint

generated-check: ## the generated files (module_utils, the emulator's ARM schema) match their sources (generators' --check)
	python tools/update_compose_schema.py --check
	python tools/update_install_script.py --check
	python tools/generate_emulator_schema.py --check

ruff: ## ruff on all Python of the tree (ruff.toml)
	ruff check .

typecheck: sync ## mypy on module_utils (through the collection copy) and on the emulator (.mypy.ini)
	cd $(COLLECTIONS) && mypy --config-file $(ROOT)/.mypy.ini -p ansible_collections.dockyard.azure.plugins.module_utils
	cd emulator/src && mypy --config-file $(ROOT)/.mypy.ini -p dockyard_emulator

units: ## pytest unit tests of the collection (through its ansible_collections path)
	cd $(COLLECTION) && python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) tests/unit

compose-reference: ## differential tests: our Compose loader vs the reference docker-compose binary
	cd $(COLLECTION) && python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) tests/compose_reference

emulator-tests: ## the emulator's own tests (plain Azure SDK clients against it)
	cd emulator && python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) tests

integration: ## playbooks against the emulator and the local Docker engine, azure.azcollection's from benchmarks/.venv, and the reliability suite
	@# --dist loadscope: a module's tests share one worker, so its module-scoped VMs and registries are made once
	@bash benchmarks/venv.sh  # the anchors' venv, for test_azcollection_interop.py: made once (~3 min), cached after
	cd $(ROOT) && python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) --dist loadscope tests/integration

reliability: ## the reliability suite alone (faults, interrupts, concurrency, restarts, data, bad inputs, secrets); part of make integration
	cd $(ROOT) && python -m pytest -q -p no:cacheprovider -n $(PYTEST_WORKERS) tests/integration/reliability

molecule: ## molecule scenarios of the roles, against an emulator with container VMs
	$(EMULATOR) start --state-dir $(MOLECULE_STATE) --vm-backend container
	bash demo/build-images.sh
	@# The scenarios follow AZURE_* from the environment, exactly as they would on real Azure.
	if eval "$$($(EMULATOR) env --state-dir $(MOLECULE_STATE))" && molecule test --all; then rc=0; else rc=$$?; fi; \
		$(EMULATOR) stop --state-dir $(MOLECULE_STATE); exit $$rc

release-tests: docs ## the collection as users get it: tarball, install, ansible-doc, a playbook from it, EE context, docs site in Chromium
	cd $(ROOT) && python -m pytest -q -p no:cacheprovider tests/release
	@cat $(ROOT)/tests/output/release/tarball-summary.txt

build: ## the Galaxy tarball, into build/ (contents checked by make release-tests)
	mkdir -p build
	ansible-galaxy collection build --force --output-path build
	@echo "$(TARBALL): $$(stat -c %s $(TARBALL)) bytes, $$(tar -tzf $(TARBALL) | grep -vc '/$$') files"

ee: build ## build context of the execution environment (execution-environment.yml) in build/ee; no image build
	mkdir -p build/ee-collection
	cp $(TARBALL) build/ee-collection/dockyard-azure.tar.gz
	ansible-builder create --file execution-environment.yml --context build/ee --output-filename Containerfile
	@echo "Build the image where a registry is reachable: see docs/execution-environment.md"

docs: sync ## the docs site (antsibull-docs: modules, role argument specs; plus the guides in docs/) into build/docs/html
	rm -rf $(DOCS_SRC) $(DOCS_HTML)
	install -d -m 0755 $(DOCS_SRC) $(DOCS_SRC)/rst
	antsibull-docs sphinx-init --use-current --dest-dir $(DOCS_SRC) --index-rst-source docs/docsite/site/index.rst \
		--project dockyard.azure --title dockyard.azure --html-short-title dockyard.azure \
		--copyright "dockyard.azure contributors" dockyard.azure >/dev/null
	cat docs/docsite/site/conf_extra.py >> $(DOCS_SRC)/conf.py
	antsibull-docs --config-file $(DOCS_SRC)/antsibull-docs.cfg collection --use-current --fail-on-error --dest-dir $(DOCS_SRC)/rst dockyard.azure
	mkdir -p $(DOCS_SRC)/rst/guides && cp docs/*.md $(DOCS_SRC)/rst/guides/
	DOCKYARD_DOCS_SOURCE_URL=$(DOCS_SOURCE_URL) sphinx-build -q -b html -W --keep-going -c $(DOCS_SRC) $(DOCS_SRC)/rst $(DOCS_HTML)
	@echo "docs site: $(DOCS_HTML)/index.html, $$(find $(DOCS_HTML) -name '*.html' | wc -l) pages"

docs-lint: sync ## antsibull-docs lint: plugin DOCUMENTATION, role argument specs, docs/docsite
	cd $(COLLECTION) && antsibull-docs lint-collection-docs --plugin-docs --check-extra-docs-refs --validate-collection-refs all .

demo-images: ## build the demo application's images on the local Docker engine
	bash demo/build-images.sh

demo: setup demo-images ## two Docker hosts in the emulator with the demo app deployed to both, through a container registry
	$(EMULATOR) start --state-dir $(DEMO_STATE) --vm-backend container
	@echo "make demo: the images go through a container registry of the emulator (a real registry server): pushed once, pulled by every host (registry_name in playbooks/vars/emulator.yml; empty it to copy them to each host with image_copy)."
	eval "$$($(EMULATOR) env --state-dir $(DEMO_STATE))" && \
		ansible-playbook playbooks/site.yml -e @playbooks/vars/emulator.yml
	@echo; while read -r url; do [ -n "$$url" ] || continue; echo "curl $$url"; curl -fsS "$$url"; echo; done < $(ROOT)/.demo/urls.txt
	@echo "Emulator state: $(DEMO_STATE). Tear down with: make demo-down"

demo-down: ## tear the demo down and stop the emulator
	@if $(EMULATOR) status --state-dir $(DEMO_STATE) >/dev/null 2>&1; then \
		eval "$$($(EMULATOR) env --state-dir $(DEMO_STATE))" && \
		ansible-playbook playbooks/teardown.yml -e @playbooks/vars/emulator.yml; \
		$(EMULATOR) stop --state-dir $(DEMO_STATE); \
	else echo "demo emulator is not running"; fi
	rm -rf $(ROOT)/.demo/tls $(ROOT)/.demo/ssh $(ROOT)/.demo/compose $(ROOT)/.demo/urls.txt

demo-swarm: setup demo-images ## a 3-node Docker Swarm in the emulator, the demo app as a stack, curled through two nodes
	$(EMULATOR) start --state-dir $(SWARM_DEMO_STATE) --vm-backend container
	eval "$$($(EMULATOR) env --state-dir $(SWARM_DEMO_STATE))" && \
		ansible-playbook playbooks/swarm.yml -e @playbooks/vars/swarm-emulator.yml
	@echo; while read -r url; do [ -n "$$url" ] || continue; echo "curl $$url"; curl -fsS "$$url"; echo; done < $(ROOT)/.demo/swarm/urls.txt
	@echo "Emulator state: $(SWARM_DEMO_STATE). Tear down with: make demo-swarm-down"

demo-swarm-down: ## tear the swarm demo down and stop its emulator
	@if $(EMULATOR) status --state-dir $(SWARM_DEMO_STATE) >/dev/null 2>&1; then \
		eval "$$($(EMULATOR) env --state-dir $(SWARM_DEMO_STATE))" && \
		ansible-playbook playbooks/teardown.yml -e @playbooks/vars/swarm-emulator.yml; \
		$(EMULATOR) stop --state-dir $(SWARM_DEMO_STATE); \
	else echo "swarm demo emulator is not running"; fi
	rm -rf $(ROOT)/.demo/swarm

bench: setup ## benchmarks (side-by-side measurements, not pass/fail tests)
	@bash benchmarks/run.sh

changelog: ## build CHANGELOG.rst from the fragments
	antsibull-changelog release

clean: clean-docker ## remove local state (venv, collection copy, demo state, test output, build) and its Docker objects
	rm -rf .venv .ansible .demo build tests/output

# This checkout's emulators keep their state (state.db) under .demo/ and tests/output/; the
# container VM backend labels every container, volume, network and committed disk image it makes
# with dockyard.emulator=<id>, the id being in the state dir's container-backend.id. Only those ids
# are touched: other checkouts may share this Docker engine.
clean-docker: ## stop this checkout's emulators and remove their containers, volumes, networks and disk images
	@for state in $$(find .demo tests/output -name state.db -printf '%h\n' 2>/dev/null | sort -u); do \
		if [ -x $(EMULATOR) ]; then $(EMULATOR) stop --state-dir "$$state" >/dev/null 2>&1 || true; \
		elif [ -f "$$state/emulator.pid" ] && grep -qa dockyard-emulator "/proc/$$(cat "$$state/emulator.pid")/cmdline" 2>/dev/null; then \
			kill "$$(cat "$$state/emulator.pid")" || true; fi; \
	done
	@command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1 || { echo "clean-docker: no Docker engine answers, nothing to remove"; exit 0; }; \
	for id in $$(cat $$(find .demo tests/output -name container-backend.id 2>/dev/null) /dev/null | sort -u); do \
		label="dockyard.emulator=$$id"; \
		containers=$$(docker ps -aq --filter "label=$$label"); \
		[ -z "$$containers" ] || docker rm -f -v $$containers >/dev/null || echo "clean-docker: could not remove all containers of emulator $$id"; \
		volumes=$$(docker volume ls -q --filter "label=$$label"); \
		[ -z "$$volumes" ] || docker volume rm -f $$volumes >/dev/null || echo "clean-docker: could not remove all volumes of emulator $$id"; \
		networks=$$(docker network ls -q --filter "label=$$label"); \
		[ -z "$$networks" ] || docker network rm $$networks >/dev/null || echo "clean-docker: could not remove all networks of emulator $$id"; \
		images=$$(docker images -q --filter "label=$$label" | sort -u); \
		[ -z "$$images" ] || docker rmi -f $$images >/dev/null || echo "clean-docker: could not remove all images of emulator $$id"; \
		echo "clean-docker: emulator $$id: removed $$(echo $$containers | wc -w) containers, $$(echo $$volumes | wc -w) volumes, $$(echo $$networks | wc -w) networks, $$(echo $$images | wc -w) images"; \
	done
