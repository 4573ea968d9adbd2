module github.com/gasproject/gas

go 1.26
