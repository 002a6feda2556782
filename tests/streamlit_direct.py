"""A Streamlit session driven over its own websocket with no browser: what any client holding a
signed-in person's cookies can send the server, whatever the page shows. For tests that an action's
check is on the server (tests/browser/test_sign_in.py)."""
from __future__ import annotations

from streamlit.proto.BackMsg_pb2 import BackMsg
from streamlit.proto.ForwardMsg_pb2 import ForwardMsg
from websockets.sync.client import connect


class DirectSession:
    def __init__(self, base: str, cookies: dict[str, str]):
        url = base.replace("http://", "ws://") + "/_stcore/stream"
        header = "; ".join(f"{k}={v}" for k, v in cookies.items())
        self.ws = connect(url, subprotocols=["streamlit", cookies.get("_streamlit_xsrf", "")],
                          additional_headers={"Cookie": header, "Origin": base}, open_timeout=30,
                          max_size=None)

    def rerun(self, query: str, triggers: tuple[str, ...] = (), fragment_id: str = "") -> list:
        msg = BackMsg()
        msg.rerun_script.query_string = query
        if fragment_id:
            msg.rerun_script.fragment_id = fragment_id
        for wid in triggers:
            w = msg.rerun_script.widget_states.widgets.add()  # a button's click: its trigger
            w.id = wid
            w.trigger_value = True
        self.ws.send(msg.SerializeToString())
        out = []
        while True:
            fm = ForwardMsg()
            fm.ParseFromString(self.ws.recv(timeout=60))
            out.append(fm)
            # A run that ends in st.rerun() is followed by the next run: read until a run is through.
            if fm.WhichOneof("type") == "script_finished" and \
                    fm.script_finished != ForwardMsg.ScriptFinishedStatus.FINISHED_EARLY_FOR_RERUN:
                return out

    def close(self):
        self.ws.close()


def elements(msgs, kind):
    """(element, fragment id) of each new element of `kind` ("button", "alert", ...) in `msgs`."""
    for fm in msgs:
        if fm.WhichOneof("type") == "delta" and fm.delta.WhichOneof("type") == "new_element":
            el = fm.delta.new_element
            if el.WhichOneof("type") == kind:
                yield getattr(el, kind), fm.delta.fragment_id
