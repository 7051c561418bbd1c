from tracker.quick import run

if __name__ == "__main__":
    run()
