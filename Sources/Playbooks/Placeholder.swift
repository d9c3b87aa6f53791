// The playbook model, Sigma engine and runner arrive with issue #6.
