#!/usr/bin/env bash
# Builds kube-apiserver and kubectl from source, through the Go module proxy, for the tests that
# need a real Kubernetes API server (no Kubernetes binaries can be downloaded here). The result is
# cached in .palisade/kube/ and reused while KUBE_VERSION stays the same.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KUBE_VERSION=${KUBE_VERSION:-v1.37.2}
STAGING_VERSION="v0${KUBE_VERSION#v1}"
out=.palisade/kube/$KUBE_VERSION
if [[ -x $out/bin/kube-apiserver && -x $out/bin/kubectl ]]; then exit 0; fi
mkdir -p "$out/src" "$out/bin"
staging=(api apiextensions-apiserver apimachinery apiserver cli-runtime client-go cloud-provider cluster-bootstrap
  code-generator component-base component-helpers controller-manager cri-api cri-client cri-streaming
  csi-translation-lib dynamic-resource-allocation endpointslice externaljwt kms kube-aggregator
  kube-controller-manager kube-proxy kube-scheduler kubectl kubelet metrics mount-utils pod-security-admission
  sample-apiserver sample-cli-plugin sample-controller streaming)
{
  echo "module palisade.local/kube"
  echo
  echo "go 1.26.0"
  echo
  echo "require k8s.io/kubernetes $KUBE_VERSION"
  echo
  echo "replace ("
  for module in "${staging[@]}"; do echo "	k8s.io/$module => k8s.io/$module $STAGING_VERSION"; done
  echo ")"
} >"$out/src/go.mod"
cat >"$out/src/tools.go" <<'GO'
//go:build tools

package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kubectl"
)
GO
cd "$out/src"
echo "palisade: building kube-apiserver and kubectl $KUBE_VERSION from source (first time: several minutes)…"
GOFLAGS=-mod=mod go mod tidy
go build -o ../bin/kube-apiserver k8s.io/kubernetes/cmd/kube-apiserver
go build -o ../bin/kubectl k8s.io/kubernetes/cmd/kubectl
