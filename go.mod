module github.com/tabsdc/tabsdc

go 1.24.0

require gonum.org/v1/gonum v0.17.0

require go.yaml.in/yaml/v3 v3.0.6

require (
	github.com/davecgh/go-spew v1.1.1 // indirect
	github.com/pmezard/go-difflib v1.0.0 // indirect
	github.com/stretchr/testify v1.11.1
	gopkg.in/yaml.v3 v3.0.1 // indirect
)
