module github.com/tabsdc/tabsdc

go 1.24.0

require gonum.org/v1/gonum v0.17.0

require (
	github.com/google/differential-privacy/go/v3 v3.0.0
	go.yaml.in/yaml/v3 v3.0.6
)

require github.com/golang/glog v1.2.0 // indirect

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/stretchr/testify v1.11.1
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
