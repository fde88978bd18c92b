module github.com/kapi-project/kapi

go 1.26
