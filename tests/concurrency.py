"""Run work in many threads released at the same moment, each with its own app context
(and so its own session and connection), as concurrent requests would."""

import threading

from timebank.extensions import db


def run_at_once(app, work, threads: int = 20) -> list:
    """`work(i)` in `threads` threads at once; each result, or the exception it raised."""
    barrier = threading.Barrier(threads)
    results: list = [None] * threads

    def worker(i):
        with app.app_context():
            barrier.wait()
            try:
                results[i] = work(i)
                db.session.commit()
            except Exception as error:  # noqa: BLE001 - the caller inspects what each thread got
                db.session.rollback()
                results[i] = error
            finally:
                db.session.remove()

    pool = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=120)
    db.session.rollback()  # end the caller's own snapshot, to read what the threads committed
    return results
