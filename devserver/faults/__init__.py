"""The fault suite (`make faults`, `python -m devserver.faults`): many aanvragen through a multi-process
regiekoppeling while its workers, broker, database and ZGW APIs fail, then the checks that nothing was
lost, nothing doubled and nothing left for an operator. See README "Fault suite"."""
