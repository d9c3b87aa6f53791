#!/usr/bin/env bash
# Writes Wireshark's view of the MMS (IEC 61850) capture (an IED client's session made by `jikocho dev mms-commands`,
# the same bytes every time) as the golden file the decoder's test compares with:
# Tests/CollectorsTests/Golden/pcap/generated_mms_commands.mms.tsv.
# Needs tshark (scripts/ensure-deps.sh --with-oracles). Run from anywhere: bash scripts/oracles/mms_commands_golden.sh
source "$(dirname "$0")/generated_capture_golden.sh"
fields=(frame.number tcp.srcport mms.initiate_RequestPDU_element mms.initiate_ResponsePDU_element
        mms.conclude_RequestPDU_element mms.conclude_ResponsePDU_element mms.confirmed_RequestPDU_element
        mms.confirmed_ResponsePDU_element mms.invokeID mms.confirmedServiceRequest mms.confirmedServiceResponse
        mms.domainId mms.itemId mms.vmd_specific mms.Write_Response_item mms.failure mms.boolean mms.floating_point
        mms.unconfirmedService mms.errorClass)
golden mms-commands generated_mms_commands.mms mms
