// Pure parsers arrive with the collector issues (syslog, access logs, EVTX, pcap, historian CSV).
// This file keeps the target in the package so that dependencies are laid out from the start.
import JikochoModel
