# Sourced by the test runners: exports RESR_SHARED, the folder with the data that is not in
# the repository (official weights in models/, sample media in media/), and
# RESR_SHARED_MODELS. Looked up as: $RESR_SHARED; else shared/ beside this checkout; else
# shared/ beside the repository this checkout was cloned from (a fresh clone in /tmp). When
# none exists the tests that need it SKIP, naming the path.
resr_find_shared() {
    local root=$1 origin
    if [ -n "${RESR_SHARED:-}" ]; then
        echo "$RESR_SHARED"
        return
    fi
    if [ -d "$root/../shared" ]; then
        (cd "$root/../shared" && pwd)
        return
    fi
    origin=$(git -C "$root" config --get remote.origin.url 2>/dev/null || true)
    origin=${origin#file://}
    case $origin in
        /*) if [ -d "$origin/../shared" ]; then (cd "$origin/../shared" && pwd); return; fi ;;
    esac
    echo "$root/../shared"
}
RESR_SHARED=$(resr_find_shared "$root")
RESR_SHARED_MODELS=${RESR_SHARED_MODELS:-$RESR_SHARED/models}
export RESR_SHARED RESR_SHARED_MODELS
