# The oidc-assume action image: one static binary in an empty root.
#
# Two ways to get the binary, chosen with the build argument BINARY_FROM:
#
#   source (default)  compile it here from the repository (needs to pull the Rust image; this is what
#                     a runner does when action.yml says `image: Dockerfile`, i.e. on the main branch)
#   host              copy a static musl binary built beforehand, per target architecture:
#                       target/x86_64-unknown-linux-musl/release/oidc-assume   (linux/amd64)
#                       target/aarch64-unknown-linux-musl/release/oidc-assume  (linux/arm64)
#                     Releases build this way, and so do the tests, offline:
#                       podman build --build-arg BINARY_FROM=host --build-arg TARGETARCH=amd64 .
#
# Builders skip the stages the target does not use, so BINARY_FROM=host never pulls anything.
# TARGETARCH is set by BuildKit for each platform; it is declared without a default on purpose (a
# default would shadow BuildKit's value), so podman needs it given explicitly.
ARG BINARY_FROM=source
ARG TARGETARCH

# The Rust image for the from-source build: the same Rust as the workflows' RUSTUP_TOOLCHAIN, to be
# pinned by digest (FROM docker.io/library/rust:1.95.0-alpine@sha256:<digest>) so that what runners
# build for `image: Dockerfile` cannot change under a moved tag. The digest is not set yet: the
# release workflow refuses to release until it is, and its error names the digest the tag resolves
# to (check it with `docker buildx imagetools inspect docker.io/library/rust:1.95.0-alpine`).
# BINARY_FROM=host builds never pull this image.
FROM docker.io/library/rust:1.95.0-alpine AS source
RUN apk add --no-cache musl-dev
WORKDIR /src
COPY . .
# The musl host target links statically by default.
RUN cargo build --release --locked --package oidc-assume --bin oidc-assume \
 && cp target/release/oidc-assume /oidc-assume

FROM scratch AS host-amd64
COPY target/x86_64-unknown-linux-musl/release/oidc-assume /oidc-assume

FROM scratch AS host-arm64
COPY target/aarch64-unknown-linux-musl/release/oidc-assume /oidc-assume

FROM host-${TARGETARCH} AS host

FROM ${BINARY_FROM} AS binary

# The root of the final image, checked before it is used: the binary must start in an empty root
# (no libc, no shell, no CA files) and build its TLS client from the roots compiled into it. The
# final stage copies from this stage, so the check cannot be skipped.
FROM scratch AS checked
COPY --from=binary /oidc-assume /rootfs/oidc-assume
# image-root/oidc-assume-post is a symlink to the binary: the action's post-entrypoint. The runner
# gives the post step the same arguments as the main step, so the binary tells the two apart by the
# name it was started under.
COPY image-root/ /rootfs/
RUN ["/rootfs/oidc-assume", "self-check"]

FROM scratch
ARG VERSION=dev
ARG REVISION=unknown
COPY --from=checked /rootfs/ /
LABEL org.opencontainers.image.title="oidc-assume" \
      org.opencontainers.image.description="GitHub Action: exchange the job's OIDC token for short-lived AWS credentials, with nothing secret stored or printed." \
      org.opencontainers.image.source="https://github.com/oidc-assume/oidc-assume" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}"
# No USER (the runner's mounted files belong to root) and no WORKDIR (the runner passes --workdir).
# CA roots are compiled into the binary; a corporate CA is added at run time with SSL_CERT_FILE.
# The root of the runner's mounts: files the later steps read (the profile files) are written
# through it and named by their host paths. A binary started on the host has no such variable.
ENV OIDC_ASSUME_RUNNER_MOUNTS=/github
ENTRYPOINT ["/oidc-assume"]
