"""Everything WeChat: the API client wrapper (``client``, ``tokens``), the mini-program
(``mini``), the official account (``official_account``, ``chat``, ``oa_xml``, ``seen``), OAuth for
H5 pages (``oauth``), content security (``security``) and citizen identities (``identities``)."""
