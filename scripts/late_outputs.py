"""nbconvert's ExecutePreprocessor, for kernels that sometimes report a cell idle before its last output.

Deno's Jupyter kernel (2.9.5) now and then publishes a cell's execute_result on IOPub just after the cell's
`status: idle` message. nbclient stops listening for a cell's outputs at that idle message, so the result is
lost from the executed notebook (about one run in four of examples/difflab.ipynb lost one output). This
preprocessor runs cells exactly as ExecutePreprocessor does, then keeps listening for GRACE seconds of quiet
and adds any later output of the same cell. Used by scripts/notebook.mjs:

    PYTHONPATH=scripts jupyter nbconvert --to notebook \
        --NotebookExporter.preprocessors='["late_outputs.LateOutputExecutePreprocessor"]' \
        --LateOutputExecutePreprocessor.enabled=True ...
"""
from queue import Empty

from nbclient.exceptions import CellExecutionComplete
from nbclient.util import ensure_async
from nbconvert.preprocessors import ExecutePreprocessor

# Seconds of silence, after a cell's idle message, before its outputs count as complete.
GRACE = 0.5


class LateOutputExecutePreprocessor(ExecutePreprocessor):
    """ExecutePreprocessor that also collects a cell's outputs published after its idle message."""

    async def _async_poll_output_msg(self, parent_msg_id, cell, cell_index):
        await super()._async_poll_output_msg(parent_msg_id, cell, cell_index)
        while True:
            try:
                msg = await ensure_async(self.kc.iopub_channel.get_msg(timeout=GRACE))
            except Empty:
                return
            if msg["parent_header"].get("msg_id") != parent_msg_id:
                continue
            self.log.info("cell %d: output %s arrived after idle", cell_index, msg["msg_type"])
            try:
                self.process_message(msg, cell, cell_index)
            except CellExecutionComplete:
                pass
