// This folder is a Node project (see package.json), not Go code. This go.mod
// makes it a separate, empty module so that `go ... ./...` in the kapi module
// never walks into node_modules.
module kapi.invalid/docs/client-ts

go 1.26.0
