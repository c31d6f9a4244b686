/*
 * iost_build_info.h - what the build stamped into the binary: the software version.
 *
 * build_info.c defines iost_build_version() as a weak symbol returning "0.0.0+unknown". A build
 * that knows its version (`make deb`, scripts/deb-build.sh) compiles a one-line object with a
 * strong definition from `git describe` and links it in (-Xlinker OBJECT), so a new version only
 * re-links the executables: no generated source is committed and nothing is recompiled.
 */
#ifndef IOST_BUILD_INFO_H
#define IOST_BUILD_INFO_H

#ifdef __cplusplus
extern "C" {
#endif

/** The software version as text (Debian version syntax, e.g. "1.2.0+3.g1a2b3c4.dirty"); never NULL. */
const char *iost_build_version(void);

#ifdef __cplusplus
}
#endif

#endif
