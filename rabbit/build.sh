#!/usr/bin/env bash
# Build Rabbit, the demo network appliance (device under test) that alpy's
# tests boot under QEMU, and rabbit-tools, the Docker image of the hosts that
# the tests place around it. Everything comes from Debian bookworm packages.
#
# Outputs:
#   rabbit/out/vmlinuz     Debian cloud kernel (virtio drivers are modules)
#   rabbit/out/initrd.img  uncompressed newc cpio: static busybox, the
#                          modules that reach the root disk, and /init
#   rabbit/out/rootfs.img  raw ext4 image of the root file system (/dev/vda)
#   rabbit/out/cmdline     kernel command line to boot them with, one line
#   rabbit/out/stamp       build hash of the four files above
#   docker image rabbit-tools:latest, labelled alpy.build-hash=<build hash>
#
# The build hash covers this script and every file under rabbit/build/. A run
# rebuilds the appliance files when rabbit/out/stamp differs from it and the
# image when its label differs, and otherwise only reports that both are up
# to date. rabbit/out/build.log contains the output of the last build, and
# rabbit/out/cache contains downloaded packages and may be deleted at any time.
#
# Requires root (debootstrap, chroot, mknod), network access to a Debian
# mirror, and a running Docker daemon.

set -euo pipefail

# debootstrap, depmod and mkfs.ext4 are in sbin directories, which the PATH of
# a root shell started without login (su, sudo -E) may lack.
export PATH=$PATH:/usr/local/sbin:/usr/sbin:/sbin

usage() {
    cat <<'EOF'
Usage: rabbit/build.sh [--force]

Build the Rabbit appliance files in rabbit/out/ and the Docker image
rabbit-tools:latest, skipping whatever is already up to date.

  --force   rebuild both even when they are up to date
  -h, --help  print this help

Environment:
  RABBIT_DEBIAN_MIRROR           Debian mirror (default http://deb.debian.org/debian)
  RABBIT_DEBIAN_SECURITY_MIRROR  security mirror (default http://deb.debian.org/debian-security)
EOF
}

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
readonly SCRIPT_DIR
readonly BUILD_DIR=$SCRIPT_DIR/build
readonly OUT_DIR=$SCRIPT_DIR/out
readonly CACHE_DIR=$OUT_DIR/cache
readonly LOG=$OUT_DIR/build.log
readonly STAMP=$OUT_DIR/stamp
readonly DUT_OUTPUTS=(vmlinuz initrd.img rootfs.img cmdline)
readonly IMAGE=rabbit-tools:latest
readonly HASH_LABEL=alpy.build-hash

readonly SUITE=bookworm
readonly MIRROR=${RABBIT_DEBIAN_MIRROR:-http://deb.debian.org/debian}
readonly SECURITY_MIRROR=${RABBIT_DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}
readonly KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg
# Meta package whose single dependency is the current cloud kernel package.
readonly KERNEL_META_PACKAGE=linux-image-cloud-amd64

# The initramfs reads root=, rw and the other root parameters. panic=-1
# reboots at once on a kernel panic, so QEMU started with -no-reboot exits
# instead of keeping a dead guest.
readonly KERNEL_CMDLINE='console=ttyS0,115200 root=/dev/vda rw panic=-1'

# Modules the initramfs loads before it mounts /dev/vda, with their
# dependencies resolved at build time. Modules built into the kernel are
# skipped (the bookworm cloud kernel builds in ext4 and crc32c_generic).
# crc32c_generic is listed by hand because modprobe --show-depends ignores
# ext4's softdep on crc32c, and resolving that softdep through its alias
# crypto-crc32c would also pull in crc32c-intel, which fails to load on CPUs
# without SSE4.2 such as QEMU's default TCG CPU.
readonly INITRAMFS_MODULES=(virtio_pci virtio_blk ext4 crc32c_generic)

# Packages beyond debootstrap's minbase set. Debootstrap adds their
# dependencies but not their recommendations.
readonly ROOTFS_PACKAGES=iproute2,nftables,iperf3,haproxy,dnsmasq-base,busybox,kmod,procps,iputils-ping,ethtool,tcpdump
# udhcpc provides /etc/udhcpc/default.script, which busybox udhcpc runs to
# assign the leased address and default route.
readonly TOOLS_PACKAGES=iproute2,iputils-ping,iperf3,curl,tcpdump,busybox,udhcpc

# Free space in rootfs.img beyond the files, in MiB, for what tests write.
readonly ROOTFS_FREE_MIB=256

TMP=
BUILD_START=$SECONDS

log_line() {
    echo "rabbit: $*"
}

die() {
    echo "rabbit: error: $*" >&2
    exit 1
}

# Report every missing command with the Debian package that provides it.
check_tools() {
    local -a missing=() packages=()
    local entry command package
    for entry in debootstrap:debootstrap cpio:cpio depmod:kmod modprobe:kmod \
        modinfo:kmod mkfs.ext4:e2fsprogs dpkg-deb:dpkg apt-get:apt \
        apt-cache:apt flock:util-linux chroot:coreutils docker:docker.io; do
        command=${entry%%:*}
        package=${entry#*:}
        if ! command -v "$command" >/dev/null 2>&1; then
            missing+=("$command (package $package)")
            packages+=("$package")
        fi
    done
    # The initramfs copies /bin/busybox, which only busybox-static installs
    # as a static binary (the busybox package installs a dynamic one there).
    if [ "$(dpkg-query -W -f '${db:Status-Status}' busybox-static 2>/dev/null)" != installed ] ||
        [ ! -x /bin/busybox ]; then
        missing+=("static /bin/busybox (package busybox-static)")
        packages+=(busybox-static)
    fi
    if [ ! -r "$KEYRING" ]; then
        missing+=("$KEYRING (package debian-archive-keyring)")
        packages+=(debian-archive-keyring)
    fi
    if [ ${#missing[@]} -gt 0 ]; then
        echo "rabbit: error: missing tools:" >&2
        printf '  %s\n' "${missing[@]}" >&2
        echo "rabbit: install them with: apt-get install $(printf '%s\n' "${packages[@]}" | sort -u | paste -sd' ')" >&2
        exit 1
    fi
}

# Print the SHA-256 over this script and every file under rabbit/build/,
# paths included, so that renaming an overlay file also changes it.
compute_build_hash() {
    (
        cd "$SCRIPT_DIR"
        find build.sh build -type f -print0 | LC_ALL=C sort -z | xargs -0 sha256sum
    ) | sha256sum | cut -d' ' -f1
}

dut_is_current() {
    local file
    [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$BUILD_HASH" ] || return 1
    for file in "${DUT_OUTPUTS[@]}"; do
        [ -s "$OUT_DIR/$file" ] || return 1
    done
}

image_is_current() {
    local label
    label=$(docker image inspect "$IMAGE" \
        --format "{{index .Config.Labels \"$HASH_LABEL\"}}" 2>/dev/null) || return 1
    [ "$label" = "$BUILD_HASH" ]
}

# Unmount whatever is still mounted under the temporary directory (an
# interrupted debootstrap leaves /proc and /sys mounted in its chroot), then
# delete it without crossing into any mount that remains.
cleanup() {
    local mount_point
    [ -n "$TMP" ] && [ -d "$TMP" ] || return 0
    awk -v prefix="$TMP/" 'index($5, prefix) == 1 { print $5 }' /proc/self/mountinfo |
        sort -r | while read -r mount_point; do
        umount -l "$mount_point" || true
    done
    rm -rf --one-file-system "$TMP"
}

# Exit on SIGINT or SIGTERM through the EXIT trap, which removes the
# temporary directory. Bash runs this handler only after the running step's
# command ends. Ctrl-C in a terminal ends that command at once, because the
# terminal signals the whole process group.
# NOTE: a SIGTERM sent to this script alone takes effect only when the
# running step finishes, which for debootstrap is up to about 30 s.
on_signal() {
    echo
    echo "rabbit: build interrupted by SIG$1; the next run rebuilds what is out of date" >&2
    exit "$2"
}

# Run a build step with its output appended to the log, print one progress
# line with its duration, and on failure print the end of the log and exit.
# Usage: run_step ESTIMATED_SECONDS DESCRIPTION COMMAND [ARGUMENT...]
run_step() {
    local estimate=$1 description=$2 start=$SECONDS status
    shift 2
    printf 'rabbit: %s (about %s s)... ' "$description" "$estimate"
    printf '\n=== %s\n' "$description" >>"$LOG"
    # The step runs as a plain command in a subshell with errexit on,
    # because bash ignores errexit inside a function called from an if or
    # || list.
    set +e
    (set -e; "$@") </dev/null >>"$LOG" 2>&1
    status=$?
    set -e
    if [ "$status" -ne 0 ]; then
        echo "failed"
        echo "rabbit: error: $description failed with exit status $status; log: $LOG" >&2
        echo "rabbit: last lines of the log:" >&2
        tail -n 30 "$LOG" | sed 's/^/  | /' >&2
        exit 1
    fi
    echo "done ($((SECONDS - start)) s)"
}

# apt-get and apt-cache with a private state and package cache under
# rabbit/out/cache/apt and only the Debian sources below, so the build
# depends neither on the host's sources nor on when it last ran apt-get update.
private_apt() {
    local tool=$1
    shift
    local apt_dir=$CACHE_DIR/apt
    "$tool" -q \
        -o Dir::Etc::SourceList="$apt_dir/sources.list" \
        -o Dir::Etc::SourceParts="$apt_dir/sources.list.d" \
        -o Dir::Etc::Preferences=/dev/null \
        -o Dir::Etc::PreferencesParts="$apt_dir/preferences.d" \
        -o Dir::State="$apt_dir/state" \
        -o Dir::Cache="$apt_dir/cache" \
        -o APT::Sandbox::User=root \
        "$@"
}

fetch_kernel() {
    local apt_dir=$CACHE_DIR/apt deb_dir=$CACHE_DIR/debs package version deb
    mkdir -p "$apt_dir/sources.list.d" "$apt_dir/preferences.d" \
        "$apt_dir/state/lists/partial" "$apt_dir/cache/archives/partial" "$deb_dir"
    cat >"$apt_dir/sources.list" <<EOF
deb [signed-by=$KEYRING] $MIRROR $SUITE main
deb [signed-by=$KEYRING] $MIRROR $SUITE-updates main
deb [signed-by=$KEYRING] $SECURITY_MIRROR $SUITE-security main
EOF
    private_apt apt-get update

    package=$(private_apt apt-cache depends "$KERNEL_META_PACKAGE" |
        awk '$1 == "Depends:" && $2 ~ /^linux-image-/ && !found { print $2; found = 1 }')
    [ -n "$package" ] || { echo "no linux-image dependency found for $KERNEL_META_PACKAGE"; return 1; }
    version=$(private_apt apt-cache show --no-all-versions "$package" |
        awk '$1 == "Version:" && !found { print $2; found = 1 }')
    # apt-get download names the file with the epoch colon written as %3a.
    deb=$deb_dir/${package}_${version//:/%3a}_amd64.deb
    if [ ! -s "$deb" ]; then
        find "$deb_dir" -name 'linux-image-*.deb' -delete
        (cd "$deb_dir" && private_apt apt-get download "$package")
    fi
    echo "kernel package: $deb"
    dpkg-deb -x "$deb" "$TMP/kernel"
}

# Print the kernel release, the one directory under lib/modules/.
kernel_release() {
    local -a releases
    releases=("$TMP"/kernel/lib/modules/*)
    if [ ${#releases[@]} -ne 1 ] || [ ! -d "${releases[0]}" ]; then
        die "expected one kernel release under $TMP/kernel/lib/modules, found: ${releases[*]}"
    fi
    basename "${releases[0]}"
}

# Usage: debootstrap_tree TARGET_DIR PACKAGE,PACKAGE...
debootstrap_tree() {
    local target=$1 package_list=$2
    local unsafe_io_conf=$target/etc/dpkg/dpkg.cfg.d/build-unsafe-io
    # dpkg in the chroot skips its fsync calls while debootstrap runs, which
    # took the appliance root from about 35 s to about 25 s on a 2-core
    # machine. A crash mid-build only loses the temporary tree.
    mkdir -p "$CACHE_DIR/debootstrap" "${unsafe_io_conf%/*}"
    echo force-unsafe-io >"$unsafe_io_conf"
    debootstrap --variant=minbase --cache-dir="$CACHE_DIR/debootstrap" \
        --include="$package_list" "$SUITE" "$target" "$MIRROR"
    rm "$unsafe_io_conf"
}

# Remove documentation, manual pages, translations, apt lists and caches and
# logs from a debootstrap tree. Copyright files stay, as Debian ships them
# with the binaries.
trim_tree() {
    local root=$1
    find "$root/usr/share/doc" -mindepth 1 ! -type d ! -name copyright -delete
    find "$root/usr/share/doc" -mindepth 1 -type d -empty -delete
    rm -rf "$root"/usr/share/man/* "$root"/usr/share/info/* "$root"/usr/share/lintian
    find "$root/usr/share/locale" -mindepth 1 -maxdepth 1 -type d -exec rm -rf {} +
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*
    rm -f "$root"/var/cache/debconf/*-old "$root"/var/lib/dpkg/*-old
    find "$root/var/log" -type f -delete
    # debootstrap copies the build host's resolver configuration.
    rm -f "$root/etc/resolv.conf"
}

# Copy the files under an overlay directory into a tree, owned by root, with
# mode 0755 where the source file is executable and 0644 otherwise.
install_overlay() {
    local overlay=$1 root=$2 path mode
    (cd "$overlay" && find . -type f) | while read -r path; do
        mode=0644
        [ -x "$overlay/$path" ] && mode=0755
        install -D -o root -g root -m "$mode" "$overlay/$path" "$root/$path"
    done
}

configure_rootfs() {
    local root=$TMP/root
    trim_tree "$root"
    install_overlay "$BUILD_DIR/rootfs" "$root"
    # Busybox init is the init system (minbase has none), and busybox also
    # provides the poweroff, reboot and halt commands that signal it. The
    # links are relative so that they also resolve from the initramfs.
    ln -sf ../bin/busybox "$root/usr/sbin/init"
    ln -sf ../bin/busybox "$root/usr/sbin/poweroff"
    ln -sf ../bin/busybox "$root/usr/sbin/reboot"
    ln -sf ../bin/busybox "$root/usr/sbin/halt"
    echo 'root:rabbit' | chroot "$root" /usr/sbin/chpasswd
}

# Install the kernel's whole module tree, so that nftables, NAT, qdisc and
# other modules load on demand, and generate modules.dep for it.
install_modules() {
    local release=$1 root=$TMP/root
    mkdir -p "$root/usr/lib/modules"
    cp -a "$TMP/kernel/lib/modules/$release" "$root/usr/lib/modules/"
    depmod -b "$root" "$release"
}

build_initramfs() {
    local release=$1 stage=$TMP/initramfs module path applet
    mkdir -p "$stage/bin" "$stage/dev" "$stage/lib/modules" "$stage/proc" \
        "$stage/sys" "$stage/newroot" "$TMP/out"
    cp /bin/busybox "$stage/bin/busybox"
    for applet in $("$stage/bin/busybox" --list); do
        [ "$applet" = busybox ] || ln -s busybox "$stage/bin/$applet"
    done
    # The kernel opens /dev/console of the initramfs as the stdin, stdout
    # and stderr of /init, before anything mounts devtmpfs.
    mknod -m 600 "$stage/dev/console" c 5 1
    install -m 0755 "$BUILD_DIR/initramfs/init" "$stage/init"

    for module in "${INITRAMFS_MODULES[@]}"; do
        modprobe -d "$TMP/root" -S "$release" --show-depends "$module"
    done | awk '$1 == "insmod" && !seen[$2]++ { print $2 }' | while read -r path; do
        case "$path" in
            *.ko) ;;
            *) echo "module $path is compressed, but /init loads it with busybox insmod, which expects a plain .ko"; exit 1 ;;
        esac
        cp "$path" "$stage/lib/modules/"
        basename "$path" >>"$stage/lib/modules/load-order"
    done
    touch "$stage/lib/modules/load-order"
    echo "initramfs modules, in load order:"
    cat "$stage/lib/modules/load-order"

    (cd "$stage" && find . -mindepth 1 | LC_ALL=C sort |
        cpio --quiet -o -H newc -R 0:0 --reproducible) >"$TMP/out/initrd.img"
}

# Create rootfs.img from the root tree with mkfs.ext4 -d, which copies the
# files into the new file system without mounting it.
build_rootfs_image() {
    local root=$TMP/root used_mib file_count size_mib inode_count
    used_mib=$(du -s --block-size=1M "$root" | cut -f1)
    file_count=$(find "$root" -xdev | wc -l)
    # An estimated 15 % for ext4 metadata and the journal, plus the free
    # space, rounded up to 16 MiB.
    size_mib=$(((used_mib * 115 / 100 + ROOTFS_FREE_MIB + 15) / 16 * 16))
    inode_count=$((file_count * 2 + 8192))
    echo "root tree: $used_mib MiB in $file_count files; image: $size_mib MiB, $inode_count inodes"
    mkfs.ext4 -q -F -L rabbit-root -b 4096 -N "$inode_count" -d "$root" \
        "$TMP/out/rootfs.img" "${size_mib}M"
}

stage_kernel_files() {
    local release=$1
    cp "$TMP/kernel/boot/vmlinuz-$release" "$TMP/out/vmlinuz"
    echo "$KERNEL_CMDLINE" >"$TMP/out/cmdline"
}

# Move the staged files into rabbit/out/ one rename at a time and write the
# stamp last, so an interrupted run leaves no stamp and the next run rebuilds.
publish_dut_outputs() {
    local file
    rm -f "$STAMP"
    for file in "${DUT_OUTPUTS[@]}"; do
        mv -f "$TMP/out/$file" "$OUT_DIR/$file"
    done
    echo "$BUILD_HASH" >"$STAMP.tmp"
    mv -f "$STAMP.tmp" "$STAMP"
}

build_dut() {
    local release
    run_step 5 "download and unpack the cloud kernel" fetch_kernel
    release=$(kernel_release)
    log_line "kernel release $release"
    run_step 30 "debootstrap the appliance root" debootstrap_tree "$TMP/root" "$ROOTFS_PACKAGES"
    run_step 2 "configure the appliance root" configure_rootfs
    run_step 3 "install kernel modules" install_modules "$release"
    run_step 1 "build initrd.img" build_initramfs "$release"
    run_step 2 "build rootfs.img" build_rootfs_image
    stage_kernel_files "$release"
    publish_dut_outputs
}

configure_tools_tree() {
    local root=$TMP/tools
    trim_tree "$root"
    # Docker supplies /etc/hostname and /etc/hosts at run time.
    rm -f "$root/etc/hostname"
    [ -x "$root/etc/udhcpc/default.script" ] || {
        echo "$root/etc/udhcpc/default.script is missing; the udhcpc package should provide it"
        return 1
    }
}

import_tools_image() {
    local old_id new_id
    old_id=$(docker image inspect "$IMAGE" --format '{{.Id}}' 2>/dev/null || true)
    tar -C "$TMP/tools" --numeric-owner -c . |
        docker import --change 'CMD ["/bin/sh"]' \
            --change "LABEL $HASH_LABEL=$BUILD_HASH" - "$IMAGE"
    new_id=$(docker image inspect "$IMAGE" --format '{{.Id}}')
    # Remove the image that the new one replaced, unless a container still uses it.
    if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
        docker image rm "$old_id" || echo "kept the previous image $old_id"
    fi
}

build_tools_image() {
    run_step 30 "debootstrap the rabbit-tools root" debootstrap_tree "$TMP/tools" "$TOOLS_PACKAGES"
    run_step 1 "configure the rabbit-tools root" configure_tools_tree
    run_step 3 "import docker image $IMAGE" import_tools_image
}

main() {
    local force=false build_dut=true build_image=true
    while [ $# -gt 0 ]; do
        case "$1" in
            --force) force=true ;;
            -h | --help) usage; exit 0 ;;
            *) usage >&2; die "unknown argument: $1" ;;
        esac
        shift
    done

    [ "$(id -u)" -eq 0 ] || die "must run as root (debootstrap, chroot and mknod need it)"
    check_tools
    docker info >/dev/null 2>&1 ||
        die "the Docker daemon is not reachable; start it (dockerd) and run again"

    mkdir -p "$OUT_DIR" "$CACHE_DIR"
    # Concurrent runs would write the same files, so a second run waits.
    exec 9>"$OUT_DIR/.lock"
    if ! flock -n 9; then
        log_line "waiting for another build in $OUT_DIR to finish"
        flock 9
    fi

    BUILD_HASH=$(compute_build_hash)
    readonly BUILD_HASH
    if ! $force; then
        dut_is_current && build_dut=false
        image_is_current && build_image=false
    fi
    if ! $build_dut && ! $build_image; then
        log_line "up to date (build hash ${BUILD_HASH:0:12}): $OUT_DIR and image $IMAGE"
        return 0
    fi

    trap cleanup EXIT
    trap 'on_signal INT 130' INT
    trap 'on_signal TERM 143' TERM
    TMP=$(mktemp -d "$OUT_DIR/.build.XXXXXX")
    : >"$LOG"
    log_line "build hash ${BUILD_HASH:0:12}; log: $LOG"

    if $build_dut; then
        build_dut
    else
        log_line "appliance files in $OUT_DIR are up to date"
    fi
    if $build_image; then
        build_tools_image
    else
        log_line "image $IMAGE is up to date"
    fi
    log_line "build finished in $((SECONDS - BUILD_START)) s"
}

main "$@"
