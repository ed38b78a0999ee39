"""Public API of rules_scratch: reproducible OCI images built FROM scratch.

Load everything from here; the files under rules/private may change.
"""

load("//rules/private:essentials.bzl", _scratch_users = "scratch_users")
load("//rules/private:go_image.bzl", _go_scratch_image = "go_scratch_image", _go_static_binary = "go_static_binary")
load("//rules/private:image.bzl", _scratch_image = "scratch_image")
load("//rules/private:image_info.bzl", _ImageInfo = "ImageInfo")
load("//rules/private:index.bzl", _scratch_index = "scratch_index")
load("//rules/private:index_info.bzl", _IndexInfo = "IndexInfo")
load("//rules/private:layer.bzl", _scratch_layer = "scratch_layer")
load("//rules/private:layer_info.bzl", _LayerInfo = "LayerInfo")
load("//rules/private:load.bzl", _scratch_load = "scratch_load")
load("//rules/private:lock.bzl", _scratch_lock = "scratch_lock")
load("//rules/private:push.bzl", _scratch_push = "scratch_push")
load("//rules/private:structure_test.bzl", _scratch_image_test = "scratch_image_test")
load("//rules/private:toolchain.bzl", _scratch_toolchain = "scratch_toolchain")
load("//rules/private:verify.bzl", _scratch_verify = "scratch_verify")

scratch_layer = _scratch_layer
scratch_image = _scratch_image
go_scratch_image = _go_scratch_image
go_static_binary = _go_static_binary
scratch_index = _scratch_index
scratch_push = _scratch_push
scratch_load = _scratch_load
scratch_lock = _scratch_lock
scratch_verify = _scratch_verify
scratch_image_test = _scratch_image_test
scratch_toolchain = _scratch_toolchain
scratch_users = _scratch_users
LayerInfo = _LayerInfo
ImageInfo = _ImageInfo
IndexInfo = _IndexInfo
