#!/usr/bin/env bash
# Build minidut, the small appliance that the alpy examples test, and the
# Docker image of the hosts on its links, from Debian packages:
#
#   out/vmlinuz      Debian's cloud kernel (its NIC drivers are modules)
#   out/initrd.img   newc cpio: static busybox, virtio_pci and virtio_net
#                    with their dependencies, and ./init as /init
#   out/stamp        build hash of the two files above
#   docker image minidut-tools:latest  static busybox (ping, wget, httpd, nc),
#                    labelled alpy.build-hash=<build hash>
#
# The build hash covers this script, ./init and /bin/busybox. A run with an
# unchanged hash only reports that everything is up to date. The kernel
# package is downloaded once into out/cache/ and reused, so later builds run
# offline; KERNEL_DEB=FILE uses that linux-image .deb instead.

set -euo pipefail

# depmod lives in /usr/sbin, which a root shell started without login may
# lack on its PATH.
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

usage() {
    cat <<'EOF'
Usage: build.sh [--force]

Build minidut (out/vmlinuz, out/initrd.img) and the Docker image
minidut-tools:latest, skipping both when they are up to date.

  --force     rebuild even when up to date
  -h, --help  print this help

Environment:
  KERNEL_DEB  a linux-image .deb to take the kernel from, instead of the
              one in out/cache/ or a download of linux-image-cloud-amd64
EOF
}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly OUT_DIR=$SCRIPT_DIR/out
readonly CACHE_DIR=$OUT_DIR/cache
readonly LOG=$OUT_DIR/build.log
readonly STAMP=$OUT_DIR/stamp
readonly IMAGE=minidut-tools:latest
readonly HASH_LABEL=alpy.build-hash
# Meta package whose one dependency is the current cloud kernel package.
readonly KERNEL_META_PACKAGE=linux-image-cloud-amd64
# Drivers of QEMU's virtio-net-pci NIC, which alpy's links use by default.
readonly MODULES=(virtio_pci virtio_net)

TMP=

say() {
    echo "minidut: $*"
}

die() {
    echo "minidut: error: $*" >&2
    exit 1
}

# Report every missing command with the Debian package that provides it.
check_tools() {
    local -a missing=() packages=()
    local entry command package
    for entry in dpkg-deb:dpkg apt-get:apt apt-cache:apt depmod:kmod modprobe:kmod \
        cpio:cpio flock:util-linux sha256sum:coreutils docker:docker.io; do
        command=${entry%%:*}
        package=${entry#*:}
        if ! command -v "$command" >/dev/null 2>&1; then
            missing+=("$command (package $package)")
            packages+=("$package")
        fi
    done
    # The initramfs and the image contain /bin/busybox without any library, so
    # it must be the static binary of busybox-static.
    if [ "$(dpkg-query -W -f '${db:Status-Status}' busybox-static 2>/dev/null)" != installed ] ||
        [ ! -x /bin/busybox ]; then
        missing+=("static /bin/busybox (package busybox-static)")
        packages+=(busybox-static)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "minidut: error: missing tools:" >&2
        printf '  %s\n' "${missing[@]}" >&2
        echo "minidut: install them with: apt-get install $(printf '%s\n' "${packages[@]}" | sort -u | paste -sd' ')" >&2
        exit 1
    fi
}

compute_build_hash() {
    (cd "$SCRIPT_DIR" && sha256sum build.sh init /bin/busybox) | sha256sum | cut -d' ' -f1
}

dut_is_current() {
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$BUILD_HASH" ] &&
        [ -s "$OUT_DIR/vmlinuz" ] && [ -s "$OUT_DIR/initrd.img" ]
}

image_is_current() {
    local label
    label=$(docker image inspect "$IMAGE" \
        --format "{{index .Config.Labels \"$HASH_LABEL\"}}" 2>/dev/null) || return 1
    [ "$label" = "$BUILD_HASH" ]
}

cleanup() {
    [ -n "$TMP" ] && rm -rf "$TMP"
}

# Run one build step with its output appended to the log and print one
# progress line with its duration. On failure print the end of the log.
# Usage: run_step DESCRIPTION COMMAND [ARGUMENT...]
run_step() {
    local description=$1 start=$SECONDS status
    shift
    printf 'minidut: %s... ' "$description"
    printf '\n=== %s\n' "$description" >>"$LOG"
    # A subshell with errexit, because bash ignores errexit in a function
    # called from an if or || list.
    set +e
    (set -e; "$@") </dev/null >>"$LOG" 2>&1
    status=$?
    set -e
    if [ "$status" -ne 0 ]; then
        echo "failed"
        echo "minidut: error: $description failed with exit status $status; log: $LOG" >&2
        tail -n 20 "$LOG" | sed 's/^/  | /' >&2
        exit 1
    fi
    echo "done ($((SECONDS - start)) s)"
}

# Print the name of the kernel package that the meta package depends on.
kernel_package_name() {
    apt-cache depends "$KERNEL_META_PACKAGE" 2>/dev/null |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-/ { print $2; exit }'
}

# Copy KERNEL_DEB, or download the cloud kernel package, into out/cache/,
# unless a kernel package is there already.
fetch_kernel() {
    local package
    mkdir -p "$CACHE_DIR"
    if [ -n "${KERNEL_DEB:-}" ]; then
        [ -s "$KERNEL_DEB" ] || { echo "KERNEL_DEB=$KERNEL_DEB does not exist"; return 1; }
        find "$CACHE_DIR" -name 'linux-image-*.deb' -delete
        cp "$KERNEL_DEB" "$CACHE_DIR/"
        return 0
    fi
    if compgen -G "$CACHE_DIR/linux-image-*.deb" >/dev/null; then
        echo "reusing $(ls "$CACHE_DIR"/linux-image-*.deb)"
        return 0
    fi
    package=$(kernel_package_name)
    if [ -z "$package" ]; then
        echo "apt does not know $KERNEL_META_PACKAGE; updating its package lists"
        apt-get update -q
        package=$(kernel_package_name)
    fi
    [ -n "$package" ] || { echo "no linux-image dependency found for $KERNEL_META_PACKAGE"; return 1; }
    # The download runs as root because _apt cannot write to out/cache/.
    (cd "$CACHE_DIR" && apt-get download -q -o APT::Sandbox::User=root "$package")
}

# Unpack the kernel package into $TMP/kernel and generate its modules.dep.
unpack_kernel() {
    local -a debs releases
    debs=("$CACHE_DIR"/linux-image-*.deb)
    [ ${#debs[@]} -eq 1 ] || { echo "expected one kernel package in $CACHE_DIR, found: ${debs[*]}"; return 1; }
    echo "kernel package: ${debs[0]}"
    dpkg-deb -x "${debs[0]}" "$TMP/kernel"
    releases=("$TMP"/kernel/lib/modules/*)
    [ ${#releases[@]} -eq 1 ] || { echo "expected one kernel release, found: ${releases[*]}"; return 1; }
    basename "${releases[0]}" >"$TMP/release"
    depmod -b "$TMP/kernel" "$(cat "$TMP/release")"
}

build_initramfs() {
    local release stage=$TMP/initramfs applet path
    release=$(cat "$TMP/release")
    mkdir -p "$stage/bin" "$stage/dev" "$stage/proc" "$stage/sys" "$stage/lib/modules" "$TMP/out"
    cp /bin/busybox "$stage/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
    done
    # The kernel opens /dev/console as the stdin, stdout and stderr of /init
    # before anything mounts devtmpfs.
    mknod -m 600 "$stage/dev/console" c 5 1
    install -m 0755 "$SCRIPT_DIR/init" "$stage/init"

    # modprobe prints an insmod line per module, dependencies first. Modules
    # built into the kernel print none.
    for module in "${MODULES[@]}"; do
        modprobe -d "$TMP/kernel" -S "$release" --show-depends "$module"
    done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r path; do
        case "$path" in
            *.ko) ;;
            *) echo "module $path is compressed, but busybox insmod in /init expects a plain .ko"; exit 1 ;;
        esac
        cp "$path" "$stage/lib/modules/"
        basename "$path" >>"$stage/lib/modules/load-order"
    done
    echo "modules in load order:"
    cat "$stage/lib/modules/load-order"

    (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
        cpio --quiet -o -H newc -R 0:0 --reproducible) >"$TMP/out/initrd.img"
    cp "$TMP/kernel/boot/vmlinuz-$release" "$TMP/out/vmlinuz"
}

import_image() {
    local root=$TMP/image old_id new_id applet
    mkdir -p "$root/bin" "$root/tmp" "$root/www"
    cp /bin/busybox "$root/bin/busybox"
    for applet in $(/bin/busybox --list); do
        [ "$applet" = busybox ] || ln -s busybox "$root/bin/$applet"
    done
    chmod 1777 "$root/tmp"
    old_id=$(docker image inspect "$IMAGE" --format '{{.Id}}' 2>/dev/null || true)
    tar -C "$root" --numeric-owner --owner=0 --group=0 -c . |
        docker import --change 'ENV PATH=/bin' --change 'CMD ["/bin/sh"]' \
            --change "LABEL $HASH_LABEL=$BUILD_HASH" - "$IMAGE"
    new_id=$(docker image inspect "$IMAGE" --format '{{.Id}}')
    # Remove the image that the new one replaced, unless a container still uses it.
    if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
        docker image rm "$old_id" || echo "kept the previous image $old_id"
    fi
}

# Move the files into out/ and write the stamp last, so that an interrupted
# run leaves no stamp and the next run builds again.
publish_dut() {
    rm -f "$STAMP"
    mv -f "$TMP/out/vmlinuz" "$TMP/out/initrd.img" "$OUT_DIR/"
    echo "$BUILD_HASH" >"$STAMP.tmp"
    mv -f "$STAMP.tmp" "$STAMP"
}

main() {
    local force=false build_dut=true build_image=true start=$SECONDS
    while [ $# -gt 0 ]; do
        case "$1" in
            --force) force=true ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; die "unknown argument: $1" ;;
        esac
        shift
    done

    [ "$(id -u)" -eq 0 ] || die "must run as root, because mknod and docker need it"
    check_tools
    docker info >/dev/null 2>&1 || die "the Docker daemon is not reachable; start it and run again"

    mkdir -p "$OUT_DIR"
    # Concurrent builds would write the same files, so a second one waits.
    exec 9>"$OUT_DIR/.lock"
    if ! flock -n 9; then
        say "waiting for another build in $OUT_DIR to finish"
        flock 9
    fi

    BUILD_HASH=$(compute_build_hash)
    readonly BUILD_HASH
    if ! $force; then
        dut_is_current && build_dut=false
        image_is_current && build_image=false
    fi
    if ! $build_dut && ! $build_image; then
        say "up to date (build hash ${BUILD_HASH:0:12}): $OUT_DIR and image $IMAGE"
        return 0
    fi

    trap cleanup EXIT
    TMP=$(mktemp -d "$OUT_DIR/.build.XXXXXX")
    : >"$LOG"
    say "building (build hash ${BUILD_HASH:0:12}); log: $LOG"
    if $build_dut; then
        run_step "get the kernel package" fetch_kernel
        run_step "unpack the kernel" unpack_kernel
        run_step "build initrd.img" build_initramfs
        publish_dut
    fi
    if $build_image; then
        run_step "import docker image $IMAGE" import_image
    fi
    say "built in $((SECONDS - start)) s"
}

main "$@"
