//! Reply sheets (答复) and rating sheets (评价) from departments and enterprises, read with the
//! ingest rules: Chinese headers mapped, every row accepted or rejected with file, row and field.
