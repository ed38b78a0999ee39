// Package structure runs container-structure-test's YAML tests (schema
// 2.0.0: metadataTest, fileExistenceTests, fileContentTests, commandTests)
// and the scratch checks (static, no shell, non-root, no setuid, CA
// certificates) against an image without a container runtime.
//
// Each layer is read once, in order, into the image's merged file system:
// OCI whiteouts applied, parent symlinks resolved inside the image as a
// runtime resolves them, regular files unpacked into a directory, and each
// entry's type, mode and owner kept from its tar header (an unprivileged
// unpack cannot keep owners). File tests read that merged file system.
// Command tests run the image's programs in the unpacked directory as their
// root, isolated in new Linux user, mount, PID, network, IPC and UTS
// namespaces, as the image's user, with its environment and working
// directory; a program for another architecture runs through qemu-user
// where binfmt_misc has a handler, and is reported as not run where not.
package structure
