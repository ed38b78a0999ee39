// Package gazelle is rules_scratch's gazelle extension: for every go_binary
// the Go extension generates, it writes a go_scratch_image and, as the
// directives say, a scratch_index, scratch_push and scratch_load, and one
// scratch_lock listing the images; when the main package goes, its targets
// go. The generation is plain functions (Generate, LockTarget) over
// Settings; lang.go adapts them to gazelle's language.Language.
//
// Directives, inherited by subdirectories:
//
//	# gazelle:scratch_image on|off            (default off)
//	# gazelle:scratch_essentials ca_certificates,tzdata,passwd,tmp,nsswitch
//	# gazelle:scratch_user nonroot
//	# gazelle:scratch_compression zstd
//	# gazelle:scratch_repository registry.example.com/team/{name}
//	# gazelle:scratch_load on|off              (default on)
//	# gazelle:scratch_platforms //platforms:linux_amd64,//platforms:linux_arm64
//	# gazelle:scratch_lock //:digests
package gazelle
