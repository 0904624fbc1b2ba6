"""Django's SQLite engine whose transactions take the database's writer turn (``lib.writer_turn``)
before ``BEGIN IMMEDIATE`` and give it back once committed, rolled back or closed."""

from __future__ import annotations

from django.db.backends.sqlite3 import base

from lib import writer_turn


class DatabaseWrapper(base.DatabaseWrapper):
    _turn = None

    def _start_transaction_under_autocommit(self):
        self._turn = writer_turn.take(self)
        try:
            super()._start_transaction_under_autocommit()
        except BaseException:
            self._give_turn()
            raise

    def _commit(self):
        try:
            return super()._commit()
        finally:
            self._give_turn()

    def _rollback(self):
        try:
            return super()._rollback()
        finally:
            self._give_turn()

    def _close(self):
        try:
            return super()._close()
        finally:
            self._give_turn()

    def _give_turn(self) -> None:
        turn, self._turn = self._turn, None
        writer_turn.give(turn)
