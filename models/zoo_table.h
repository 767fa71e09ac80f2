/*
 * The official Real-ESRGAN checkpoints, one RESR_ZOO_MODEL line each. models/zoo.c builds
 * its table from this file and tools/fetch-models reads the same lines with sed, so keep
 * every entry on one line, in this exact form:
 *
 *   RESR_ZOO_MODEL(name, arch, scale, release tag, bytes, sha256, alternate sha256 or "")
 *
 * The file is <name>.pth under https://github.com/xinntao/Real-ESRGAN/releases/download/<tag>/.
 * Sizes and checksums are those of the release assets as published in the sha256sums of
 * Arch's AUR python-realesrgan PKGBUILD (makepkg checks them on every build) and in several
 * other independent public manifests; they agree with each other.
 *
 * Alternate checksum of realesr-animevideov3: the copy in the project's shared data
 * (../shared/models/README.md: the official weights, with deflate-compressed zip entries
 * and long-integer storage keys; 2,334,339 bytes). Its tensors load as the official
 * SRVGGNetCompact x4 (tests/models/inspect.sh), but its bytes differ from the release file.
 */
RESR_ZOO_MODEL("RealESRGAN_x4plus",          RRDBNET, 4, "v0.1.0",   67040989, "4fa0d38905f75ac06eb49a7951b426670021be3018265fd191d2125df9d682f1", "")
RESR_ZOO_MODEL("RealESRNet_x4plus",          RRDBNET, 4, "v0.1.1",   67040989, "a820b9bde89a874d7599d545567308ce6c128fc8754a53208eda016d40aa81df", "")
RESR_ZOO_MODEL("RealESRGAN_x4plus_anime_6B", RRDBNET, 4, "v0.2.2.4", 17938799, "f872d837d3c90ed2e05227bed711af5671a6fd1c9f7d7e91c911a61f155e99da", "")
RESR_ZOO_MODEL("RealESRGAN_x2plus",          RRDBNET, 2, "v0.2.1",   67061725, "49fafd45f8fd7aa8d31ab2a22d14d91b536c34494a5cfe31eb5d89c2fa266abb", "")
RESR_ZOO_MODEL("realesr-animevideov3",       SRVGG,   4, "v0.2.5.0",  2504012, "b8a8376811077954d82ca3fcf476f1ac3da3e8a68a4f4d71363008000a18b75d", "4e1e09ba96d08bd4b8455e8897c3242a3501e3766f359941ea894122e158a932")
RESR_ZOO_MODEL("realesr-general-x4v3",       SRVGG,   4, "v0.2.5.0",  4885111, "8dc7edb9ac80ccdc30c3a5dca6616509367f05fbc184ad95b731f05bece96292", "")
RESR_ZOO_MODEL("realesr-general-wdn-x4v3",   SRVGG,   4, "v0.2.5.0",  4885111, "1641f8c4464b9f097c9fdda5589273713f67cf59f3d909e0bd688f0cee269dca", "")
