#!/usr/bin/env bash
# Builds etcd, kube-apiserver, kube-controller-manager and kubectl from source, through the Go
# module proxy, for the tests that need a real Kubernetes API server (no Kubernetes binaries can be
# downloaded here). The result is cached in .palisade/kube/ and reused while KUBE_VERSION stays the
# same. kube-controller-manager runs the garbage collector that deletes PolicyEndpoints with their
# NetworkPolicy.
set -euo pipefail
[[ -x /usr/local/go/bin/go ]] && PATH=$PATH:/usr/local/go/bin
cd "$(dirname "${BASH_SOURCE[0]}")/.."
KUBE_VERSION=${KUBE_VERSION:-v1.37.2}
ETCD_VERSION=${ETCD_VERSION:-v3.7.0}
STAGING_VERSION="v0${KUBE_VERSION#v1}"
out=.palisade/kube/$KUBE_VERSION
commands=(kube-apiserver kube-controller-manager kubectl)
missing=0
for binary in etcd "${commands[@]}"; do [[ -x $out/bin/$binary ]] || missing=1; done
if ((missing == 0)); then exit 0; fi
command -v go >/dev/null || {
  echo "palisade: Go is needed to build the Kubernetes test binaries (apt-get install golang, or Go >= 1.26)" >&2
  exit 1
}
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
  echo "require ("
  echo "	k8s.io/kubernetes $KUBE_VERSION"
  echo "	go.etcd.io/etcd/server/v3 $ETCD_VERSION"
  echo ")"
  echo
  echo "replace ("
  for module in "${staging[@]}"; do echo "	k8s.io/$module => k8s.io/$module $STAGING_VERSION"; done
  echo ")"
} >"$out/src/go.mod"
{
  echo "//go:build tools"
  echo
  echo "package tools"
  echo
  echo "import ("
  echo "	_ \"go.etcd.io/etcd/server/v3\""
  for command in "${commands[@]}"; do echo "	_ \"k8s.io/kubernetes/cmd/$command\""; done
  echo ")"
} >"$out/src/tools.go"
cd "$out/src"
echo "palisade: building etcd $ETCD_VERSION and Kubernetes $KUBE_VERSION from source (first time: about 15 minutes)…"
GOFLAGS=-mod=mod go mod tidy
minor=${KUBE_VERSION#v1.}
version_flags="-X k8s.io/component-base/version.gitVersion=$KUBE_VERSION -X k8s.io/component-base/version.gitMajor=1"
version_flags+=" -X k8s.io/component-base/version.gitMinor=${minor%%.*}"
version_flags+=" -X k8s.io/client-go/pkg/version.gitVersion=$KUBE_VERSION"
go build -o ../bin/etcd go.etcd.io/etcd/server/v3
for command in "${commands[@]}"; do
  echo "palisade: building $command…"
  go build -ldflags "$version_flags" -o "../bin/$command" "k8s.io/kubernetes/cmd/$command"
done
